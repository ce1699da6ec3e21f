package dev.waybill.outcome;

/**
 * The fate of one (message, recipient), or one SMTP-time rejection: a row of the delivery report.
 *
 * <p>Field names are cPanel's Track Delivery names, which its users and scripts know, plus
 * Waybill's own ({@code subject}, {@code attempts}, {@code reply}, {@code tls},
 * {@code bounce_msgid}, {@code bounce_of}).
 *
 * @param type              the outcome
 * @param msgid             Exim's message id; null for rejections before DATA
 * @param email             envelope sender ({@code <>} for bounces)
 * @param sender            the authenticated identity: the login of {@code A=}, or {@code U=}
 * @param user              the sender's cPanel user, {@code -remote-} for mail from outside
 * @param domain            the sender's domain
 * @param size              message size in bytes, -1 if unknown
 * @param senderhost        the sending host's name (or HELO)
 * @param senderip          the sending host's address
 * @param senderauth        how the sender was authenticated: the authenticator, or
 *                          {@code localuser}, {@code mailman}, {@code unauthorized}
 * @param spamscore         SpamAssassin score, null if not scanned
 * @param sendunixtime      when the message arrived (unix seconds), or the rejection time
 * @param recipient         the address the sender wrote to
 * @param deliveredto       where Exim finally delivered it (successes only)
 * @param deliveryuser      the recipient's cPanel user, {@code -remote-} for remote deliveries
 * @param deliverydomain    the recipient's domain, {@code -remote-} for remote deliveries
 * @param router            {@code R=} of the last attempt
 * @param transport         {@code T=} of the last attempt
 * @param host              the remote host of the last attempt
 * @param ip                its address
 * @param message           {@code Accepted}/{@code Filtered}, or the failure or deferral reason
 * @param actionunixtime    when the last attempt (or the rejection) happened
 * @param transportIsRemote whether delivery went over SMTP to another server
 * @param subject           the subject, decoded
 * @param attempts          delivery attempts logged for this recipient
 * @param reply             the remote server's answer to a successful delivery ({@code C=})
 * @param tls               the TLS cipher of the last attempt
 * @param bounceMsgid       for a failure: the id of the bounce message Exim sent about it
 * @param bounceOf          for a bounce message: the id of the message it reports on
 * @param row               which row of its message this is (1, 2, ... in log order; 0 for a
 *                          rejection): with the message id, the row's identity in the store
 */
public record Outcome(OutcomeType type, String msgid, String email, String sender, String user,
                      String domain, long size, String senderhost, String senderip, String senderauth,
                      Double spamscore, long sendunixtime, String recipient, String deliveredto,
                      String deliveryuser, String deliverydomain, String router, String transport,
                      String host, String ip, String message, long actionunixtime,
                      boolean transportIsRemote, String subject, int attempts, String reply,
                      String tls, String bounceMsgid, String bounceOf, int row) {
}
