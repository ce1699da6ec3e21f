package dev.waybill.diagnosis;

/**
 * The probable cause of a failed, deferred or rejected delivery, and what to do about it.
 *
 * <p>{@code cause} and {@code fix} are Waybill's own fixed sentences; nothing from the remote
 * server's reply is copied into them, so they are safe to show anywhere. The only part taken from
 * the reply is {@code replyCode}, and only as digits and dots.
 *
 * @param code      the stable machine name of the problem, e.g. {@code no_such_user} (see
 *                  {@link DiagnosisCode#label()})
 * @param cause     what probably went wrong, in one or two plain sentences
 * @param fix       what the user (or whoever must act) should do about it
 * @param temporary whether the problem usually passes by itself, so that a later attempt may
 *                  succeed without anyone changing anything
 * @param replyCode the SMTP reply code and, when there was one, the enhanced status code the
 *                  rejecting server gave, e.g. {@code 550 5.1.1} or {@code 421}; null when the text
 *                  carried none
 */
public record Diagnosis(String code, String cause, String fix, boolean temporary, String replyCode) {
}
