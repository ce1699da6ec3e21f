package dev.waybill.diagnosis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ReplyCodeTest {

    @Test
    void find_gmailMultiLineReply_readsBasicAndEnhanced() {
        ReplyCode c = ReplyCode.find("smtp error from remote mail server after rcpt to:<a@gmail.com>: 550-5.1.1 the "
                + "email account\n550-5.1.1 that you tried");
        assertEquals(new ReplyCode(550, 5, 1, 1), c);
        assertEquals("550 5.1.1", c.display());
    }

    @Test
    void find_hostBeforeTheReply_readsTheReply() {
        assertEquals("554", ReplyCode.find("smtp error from remote mail server after end of data: host mx.example "
                + "[192.0.2.1]: 554 delivery error: dd this user doesn't have an account").display());
    }

    @Test
    void find_noReplyCode_isNull() {
        assertNull(ReplyCode.find("connection timed out h=127.0.0.1 [127.0.0.1]: smtp timeout after rcpt to:<a@b>"));
        assertNull(ReplyCode.find(""));
        assertNull(ReplyCode.find("45"));
    }

    @Test
    void find_digitsInsideWordsOrAddresses_areIgnored() {
        assertNull(ReplyCode.find("size=5500 sent to host4501"));
        assertNull(ReplyCode.find("error: 5501 nope"));
        assertNull(ReplyCode.find("error: 250 ok"));
        assertNull(ReplyCode.find("error: 850 rubbish"));
    }

    @Test
    void find_hashBeforeStatus_readsEnhanced() {
        assertEquals(new ReplyCode(550, 5, 1, 0), ReplyCode.find("550 #5.1.0 address rejected"));
    }

    @Test
    void find_malformedEnhanced_keepsOnlyTheBasicCode() {
        assertEquals(new ReplyCode(499, 0, 0, 0), ReplyCode.find("499 4.1234.343 main and extended code"));
        assertEquals(new ReplyCode(550, 0, 0, 0), ReplyCode.find("550 5.1. nope"));
        assertEquals(new ReplyCode(550, 0, 0, 0), ReplyCode.find("550 5.1.1.1 nope"));
        assertEquals(new ReplyCode(550, 0, 0, 0), ReplyCode.find("550 3.1.1 nope"));
        assertEquals(new ReplyCode(421, 0, 0, 0), ReplyCode.find("421"));
        assertEquals(new ReplyCode(421, 0, 0, 0), ReplyCode.find("421 4"));
        assertEquals(new ReplyCode(421, 0, 0, 0), ReplyCode.find("421 4.7"));
    }

    @Test
    void meaning_microsoftBlockRange_isBlocklistedIp() {
        assertEquals(DiagnosisCode.BLOCKLISTED_IP, new ReplyCode(550, 5, 7, 606).meaning());
        assertEquals(DiagnosisCode.BLOCKLISTED_IP, new ReplyCode(550, 5, 7, 649).meaning());
        assertEquals(DiagnosisCode.BLOCKLISTED_IP, new ReplyCode(550, 5, 7, 511).meaning());
        assertEquals(DiagnosisCode.POLICY, new ReplyCode(550, 5, 7, 650).meaning());
        assertNull(new ReplyCode(550, 0, 0, 0).meaning());
    }
}
