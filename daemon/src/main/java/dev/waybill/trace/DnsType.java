package dev.waybill.trace;

/** The DNS record types a trace asks for. */
public enum DnsType {
    MX, A, AAAA
}
