/**
 * End-to-end tests against real mail software: a private Exim daemon configured like a cPanel
 * server, the {@code swaks} SMTP client, and loopback SMTP sinks standing in for remote servers.
 *
 * <p>These are failsafe tests ({@code *IT}); they run after {@code package} against
 * {@code daemon/target/waybill.jar} and need root, {@code exim4-daemon-light} and {@code swaks}.
 * They fail, never skip, when any of these is missing.
 */
package dev.waybill.e2e;
