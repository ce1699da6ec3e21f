/**
 * Why a delivery failed, was deferred or was refused, and what to do about it: the diagnosis shown
 * with each such row in the cPanel and WHM pages and the CLI.
 *
 * <p>{@link dev.waybill.diagnosis.Diagnoser} reads an {@link dev.waybill.outcome.Outcome} (or its
 * type and reason text) and returns a {@link dev.waybill.diagnosis.Diagnosis}: a stable
 * {@link dev.waybill.diagnosis.DiagnosisCode}, the cause and the fix in plain words, and whether the
 * problem usually passes by itself. Behind it, package-private: {@code ReplyRules}, the ordered
 * table of phrases seen in real replies of the big mail providers, of Exim and of cPanel, and
 * {@code ReplyCode}, which reads the SMTP reply code and the enhanced status code (RFC 3463) that
 * serve as the fallback when no phrase is recognised.
 *
 * <p>The reason texts come from remote servers and are hostile input: only a bounded prefix is
 * read, matching is plain substring search on a lower-cased copy (no regular expressions), and
 * nothing from the text is copied into the cause or the fix.
 */
package dev.waybill.diagnosis;
