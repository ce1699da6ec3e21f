/**
 * Synthetic Exim main logs of a cPanel shared-hosting server, for benchmarks and tests:
 * {@link dev.waybill.sample.SampleLogGenerator} is the entry point ({@code waybill sample-log}
 * on the command line). Everything else here is the simulation behind it: the hosting server
 * and its account files ({@code HostingServer}), the outside world ({@code RemoteWorld}),
 * SMTP sessions, local submissions, messages and the queue runner as timed events, and the
 * byte buffer the lines are written into ({@code LogWriter}).
 *
 * <p>Nothing in the daemon depends on this package.
 */
package dev.waybill.sample;
