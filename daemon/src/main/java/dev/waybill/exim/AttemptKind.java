package dev.waybill.exim;

/** The marker of a delivery-attempt line. */
public enum AttemptKind {
    /** {@code =>} */
    DELIVERED,
    /** {@code ->}: a further address delivered in the same transport run. */
    DELIVERED_MORE,
    /** {@code >>}: delivered while the message was being received. */
    CUTTHROUGH,
    /** {@code *>}: not delivered because of {@code -N}. */
    SUPPRESSED,
    /** {@code **} */
    FAILED,
    /** {@code ==} */
    DEFERRED;

    /** True for the markers that mean the address is done with success. */
    public boolean delivered() {
        return this == DELIVERED || this == DELIVERED_MORE || this == CUTTHROUGH;
    }
}
