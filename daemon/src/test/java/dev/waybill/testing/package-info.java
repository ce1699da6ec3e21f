/**
 * Test support shared by the test suites: {@link dev.waybill.testing.PrivateMariaDb}, a JUnit 5
 * extension that runs a private {@code mariadbd} (the system binary on a temporary datadir and a
 * free loopback port) and hands each test a database of its own.
 */
package dev.waybill.testing;
