/**
 * The blocking client of the daemon's socket, for the CLI (and the tests and benchmarks): JDK
 * Unix domain sockets, one request line out, reply lines back. No Netty here.
 */
package dev.waybill.client;
