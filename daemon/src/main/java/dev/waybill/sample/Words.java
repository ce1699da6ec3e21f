package dev.waybill.sample;

import java.util.SplittableRandom;

/** Word lists the generator builds names, addresses and subjects from. All plain ASCII. */
final class Words {

    private Words() {
    }

    static final String[] FIRST = {
        "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "david",
        "elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas",
        "sarah", "chris", "karen", "daniel", "lisa", "matthew", "nancy", "anthony", "betty",
        "mark", "sandra", "paul", "ashley", "steven", "emily", "andrew", "donna", "kevin",
        "michelle", "brian", "carol", "george", "amanda", "tim", "melissa", "ryan", "deborah",
        "jacob", "laura", "gary", "rebecca", "nick", "sharon", "eric", "cynthia", "jonathan",
        "kathleen", "stephen", "amy", "larry", "angela", "justin", "anna", "scott", "ruth",
        "brandon", "maria", "ben", "olga", "samuel", "priya", "raj", "wei", "ahmed", "fatima",
        "lucas", "sofia", "marco", "giulia", "hans", "anke", "pierre", "chloe", "kenji", "yuki",
    };

    static final String[] LAST = {
        "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis",
        "rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas",
        "taylor", "moore", "jackson", "martin", "lee", "perez", "thompson", "white", "harris",
        "sanchez", "clark", "ramirez", "lewis", "robinson", "walker", "young", "allen", "king",
        "wright", "scott", "torres", "nguyen", "hill", "flores", "green", "adams", "nelson",
        "baker", "hall", "rivera", "campbell", "mitchell", "carter", "roberts", "patel", "kumar",
        "schmidt", "muller", "rossi", "dubois", "tanaka", "kowalski", "novak", "jansen",
    };

    /** First halves of business names. */
    static final String[] BIZ_A = {
        "blue", "green", "red", "silver", "golden", "north", "south", "east", "west", "bright",
        "smart", "rapid", "prime", "true", "clear", "summit", "harbor", "river", "lake", "oak",
        "pine", "maple", "cedar", "stone", "iron", "urban", "metro", "coastal", "valley",
        "mountain", "sunny", "happy", "fresh", "pure", "royal", "eagle", "falcon", "fox", "bear",
        "wolf", "apex", "nova", "star", "sky", "ocean", "atlas", "alpha", "omega", "vertex",
        "pixel", "cloud", "swift", "bold", "little", "grand", "old", "new", "wild", "first",
    };

    /** Second halves of business names. */
    static final String[] BIZ_B = {
        "dental", "bakery", "plumbing", "law", "realty", "homes", "design", "media", "studio",
        "consulting", "tech", "solutions", "systems", "labs", "works", "auto", "motors",
        "garden", "landscaping", "fitness", "yoga", "clinic", "vet", "pets", "cafe", "bistro",
        "pizza", "coffee", "books", "print", "signs", "photo", "films", "music", "travel",
        "tours", "hotel", "inn", "spa", "salon", "barber", "roofing", "electric", "hvac",
        "cleaning", "movers", "storage", "supply", "trading", "imports", "foods", "farms",
        "winery", "brewing", "church", "school", "academy", "tutoring", "accounting", "tax",
        "insurance", "finance", "capital", "partners", "group", "agency", "marketing", "events",
    };

    static final String[] LOCAL_TLDS = {
        ".com", ".com", ".com", ".com", ".net", ".org", ".co.uk", ".com.au", ".ca", ".us",
        ".biz", ".info", ".de", ".nl", ".in", ".co", ".io", ".online", ".store", ".site",
    };

    static final String[] REMOTE_TLDS = {
        ".com", ".com", ".com", ".net", ".org", ".co.uk", ".de", ".fr", ".com.au", ".ca",
        ".it", ".es", ".nl", ".se", ".com.br", ".co.za", ".ie", ".ch", ".at", ".be",
    };

    /** Role addresses every small business has. */
    static final String[] ROLES = {
        "info", "sales", "contact", "admin", "support", "office", "billing", "accounts",
        "hello", "orders", "bookings", "enquiries", "hr", "jobs", "marketing", "webmaster",
    };

    /** Local parts used by web applications that send as the domain (often not a mailbox). */
    static final String[] SCRIPT_SENDERS = {
        "wordpress", "noreply", "no-reply", "donotreply", "mailer", "forms", "woocommerce",
        "notifications", "system",
    };

    static final String[] DESKTOP_HELOS = {
        "DESKTOP-4F7K2LM", "DESKTOP-Q81JD0S", "DESKTOP-7HGT2PA", "LAPTOP-9KD83JSA",
        "LAPTOP-B2M1QX7C", "OFFICE-PC", "RECEPTION", "Johns-MacBook-Pro.local",
        "Sarahs-iMac.local", "iPhone", "[192.168.1.23]", "[192.168.0.105]", "[10.0.0.12]",
        "[172.16.4.20]", "localhost", "WIN-3JH29DKA1P0", "MacBookAir.lan", "ThinkPad-T14",
    };

    static final String[] BOT_HELOS = {
        "User", "localhost", "WIN-CLJ1B0GQ6JP", "PC-SECCON", "ylmf-pc", "win-2k8",
        "EHLO", "mail.example.com", "ADMINISTRATOR", "hello", "smtp.gmail.com", "test",
    };

    /** Subjects of ordinary correspondence; a few carry quotes, one is RFC 2047-encoded. */
    static final String[] SUBJECTS = {
        "Invoice #{n}", "Re: Invoice #{n}", "Quote request", "Re: Quote request",
        "Meeting tomorrow", "Re: Meeting tomorrow", "Fwd: Contract draft", "Re: Contract draft",
        "Order confirmation {n}", "Your order #{n} has shipped", "Payment received - thank you",
        "Re: Re: project update", "Project update", "Weekly report", "Monthly newsletter",
        "Appointment reminder", "Re: Appointment", "Photos from the weekend", "Lunch?",
        "Re: Lunch?", "Question about your services", "Re: Question about your services",
        "New contact form submission", "[{biz}] New contact form submission",
        "Password reset request", "Welcome to {biz}!", "Booking confirmation {n}",
        "Re: \"Final\" version attached", "Estimate for \"kitchen remodel\"", "Hi",
        "Re: Hi", "Document", "Scan from printer", "Statement for March", "Receipt {n}",
        "Out of office: Re: schedule", "Re: schedule", "Application for the position",
        "Follow up", "Re: Follow up", "Thank you!", "Price list 2025", "Delivery note {n}",
        "=?UTF-8?B?UmU6IFLDqXNlcnZhdGlvbg==?=", "=?UTF-8?Q?Caf=C3=A9_menu?=",
        "Urgent: account verification", "Re: C:\\Users\\Public\\scan.pdf",
    };

    /** Subjects of bulk and marketing mail arriving from outside. */
    static final String[] NEWSLETTER_SUBJECTS = {
        "Your weekly digest", "Last chance: 30% off everything", "New arrivals are here",
        "Your statement is ready", "Security alert", "Your receipt from Apple",
        "Your Amazon.com order of {n}", "Reminder: your subscription renews soon",
        "Webinar invitation", "Don't miss out", "Your invoice is available", "Flash sale ends tonight",
    };

    static final String[] SPAM_SUBJECTS = {
        "You have won!!!", "URGENT BUSINESS PROPOSAL", "Re: your account has been suspended",
        "Claim your reward now", "Cheap meds online", "Invoice overdue - action required",
        "DHL: parcel on hold", "Your mailbox is full", "Congratulations winner",
    };

    static final String[] PHP_SUBJECTS = {
        "[{biz}] New contact form submission", "New order #{n}", "[{biz}] Password Reset",
        "{biz}: new user registration", "Your order has been received!", "Backup completed",
        "[{biz}] Some plugins were automatically updated", "Booking request {n}",
    };

    static String pick(SplittableRandom r, String[] a) {
        return a[r.nextInt(a.length)];
    }
}
