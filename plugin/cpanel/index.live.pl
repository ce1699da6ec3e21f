#!/usr/local/cpanel/3rdparty/bin/perl
# Track Delivery (Waybill), the cPanel page. cpsrvd runs it as the cPanel user; the Waybill
# daemon knows who that is from the socket (SO_PEERCRED) and shows that account's mail only.
#
# Thin on purpose: pass the query string to the daemon, print the HTML it renders (or stream the
# CSV of an export) inside cPanel's own header and footer. Core modules only. Without
# Cpanel::LiveAPI (outside cPanel, in the tests) the daemon renders a whole document instead.
#
# Installed as /usr/local/cpanel/base/frontend/jupiter/waybill/index.live.pl.
# The socket is /var/run/waybill/waybill.sock, or $WAYBILL_SOCKET when set.
use strict;
use warnings;
# Where Cpanel::LiveAPI lives, whatever @INC cpsrvd gives: without it the page would run with no
# feature check (as the WHM CGI finds Whostmgr's modules).
use lib '/usr/local/cpanel';
use IO::Select ();
use IO::Socket::UNIX ();
use JSON::PP ();

my $SOCKET = $ENV{WAYBILL_SOCKET} || '/var/run/waybill/waybill.sock';
my $DEFAULT_SCRIPT = '/frontend/jupiter/waybill/index.live.pl';
# Every answer shows someone's mail: no browser or proxy keeps a copy, and none is read as another type.
my $PRIVATE = "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
# The status of each error the daemon can answer with; 503s say when to try again.
my %STATUS_OF = (bad_request => 400, too_large => 400, forbidden => 403, not_found => 404, unavailable => 503,
    internal => 500);
my %REASON = (200 => 'OK', 400 => 'Bad Request', 403 => 'Forbidden', 404 => 'Not Found',
    500 => 'Internal Server Error', 502 => 'Bad Gateway', 503 => 'Service Unavailable');
my $RETRY_AFTER = 60;
# How long each line of the daemon's reply may take (a report runs a few queries, each stopped
# after 20 s) and how long it may be (the largest page is a few MB): past either, the daemon is
# not answering, and the page says so rather than hold cpsrvd's worker or fill its memory.
my $TIMEOUT = defined $ENV{WAYBILL_PAGE_TIMEOUT} && $ENV{WAYBILL_PAGE_TIMEOUT} =~ /\A([1-9][0-9]{0,3})\z/ ? $1 : 90;
my $MAX_LINE = 64 * 1024 * 1024;

# Every URL the daemon builds starts with cPanel's security token and this page's path.
my $token = defined $ENV{cp_security_token} && $ENV{cp_security_token} =~ m{\A(/cpsess[0-9]+)\z} ? $1 : '';
my $script = defined $ENV{SCRIPT_NAME} && $ENV{SCRIPT_NAME} =~ m{\A(/frontend/[A-Za-z0-9_-]+/waybill/index\.live\.pl)\z}
  ? $1 : $DEFAULT_SCRIPT;
my $query = defined $ENV{QUERY_STRING} ? substr($ENV{QUERY_STRING}, 0, 8192) : '';

my $cpanel = eval { require Cpanel::LiveAPI; Cpanel::LiveAPI->new() };
binmode STDOUT, ':encoding(UTF-8)';

# Without the feature (Feature Manager), every view is refused, the CSV export too.
if ($cpanel && !$cpanel->cpanelfeature('waybill')) {
    page_with(problem('Track Delivery is not enabled for this account',
        'Ask your hosting provider to enable the Waybill feature for your package.'), 403);
} else {
    answer();
}
$cpanel->end() if $cpanel;
exit 0;

# One request. The daemon reads the query string and its first line says what the answer is: a
# page, the first piece of the CSV export, or an error; deciding here from the query string
# would disagree with it over odd values (view=%65xport, two views).
sub answer {
    my ($conn, $error) = send_request({ method => 'render', params => {
        page => 'cpanel', base => $token . $script, query => $query, standalone => $cpanel ? JSON::PP::false : JSON::PP::true } });
    return page_with(problem(@$error), 503) unless $conn;
    my ($line, $why) = reply_line($conn);
    my $reply = defined $line ? fast_html_reply($line) || eval { JSON::PP->new->utf8->decode($line) } : undef;
    return export_csv($conn, $reply->{chunk}) if $reply && defined $reply->{chunk};
    return page_with(problem('Track Delivery cannot show this', $reply->{error}{message}),
        $STATUS_OF{$reply->{error}{code} // ''} || 502) if $reply && ref $reply->{error} eq 'HASH';
    return page_with($reply->{result}{html}, $reply->{result}{status}) if $reply && defined $reply->{result}{html};
    # a line too long is not a reply; anything else is the daemon gone or stuck
    page_with(problem('Track Delivery did not answer', 'Try again in a minute.'),
        defined $why && $why eq 'too long' ? 502 : 503);
}

# A page with its HTTP status, which cpsrvd takes from the CGI's Status header: an error page is
# not a 200, so that neither scripts nor browsers' history take it for the page asked for.
sub page_with {
    my ($html, $status) = @_;
    $status = 200 unless defined $status && $REASON{$status};
    print "Status: $status $REASON{$status}\r\n" if $status != 200;
    print "Retry-After: $RETRY_AFTER\r\n" if $status == 503;
    print "Content-type: text/html; charset=utf-8\r\n$PRIVATE\r\n";
    print $cpanel->header('Track Delivery') if $cpanel;
    print $html;
    print $cpanel->footer() if $cpanel;
}

# The CSV export, from its first piece on, as a download.
sub export_csv {
    my ($conn, $first) = @_;
    my @t = localtime;
    my $name = sprintf 'waybill-%04d-%02d-%02d.csv', $t[5] + 1900, $t[4] + 1, $t[3];
    print "Content-type: text/csv; charset=utf-8\r\nContent-Disposition: attachment; filename=\"$name\"\r\n$PRIVATE\r\n";
    print $first;
    my $json = JSON::PP->new->utf8;
    while (1) {
        my ($line) = reply_line($conn);
        my $msg = defined $line ? eval { $json->decode($line) } : undef;
        if ($msg && defined $msg->{chunk}) { print $msg->{chunk}; next; }
        last if $msg && $msg->{result};    # the end: {"rows":N}
        # anything else stops the file short, which its last line says
        print '# export stopped: ', ($msg && ref $msg->{error} eq 'HASH' ? $msg->{error}{message}
            : 'the Waybill service stopped answering; this file is incomplete'), "\n";
        last;
    }
}

# The next line of the daemon's reply, or undef and why not: 'timeout' (none within $TIMEOUT),
# 'closed' (the daemon closed the connection first) or 'too long'. Read here rather than with
# <$sock>, which waits as long as the daemon likes and keeps any line whole in memory.
sub reply_line {
    my ($conn) = @_;
    my $deadline = time + $TIMEOUT;
    my $from = 0;
    while (1) {
        my $nl = index $conn->{buf}, "\n", $from;
        return substr $conn->{buf}, 0, $nl + 1, '' if $nl >= 0;
        return (undef, 'too long') if length $conn->{buf} > $MAX_LINE;
        $from = length $conn->{buf};
        my $left = $deadline - time;
        return (undef, 'timeout') unless $left > 0 && IO::Select->new($conn->{sock})->can_read($left);
        my $n = sysread $conn->{sock}, $conn->{buf}, 1 << 20, length $conn->{buf};
        return (undef, 'closed') unless $n;    # 0 at the end, undef on an error
    }
}

# The usual reply, {"id":1,"result":{"status":200,"html":"..."}}, read without a JSON parser:
# JSON::PP, pure Perl, takes ~35 ms over a 100-row page; unescaping the one string takes ~5 ms.
# Anything else (an error, another shape) is left to JSON::PP.
sub fast_html_reply {
    my ($line) = @_;
    my %UNESCAPE = ('"' => '"', '\\' => '\\', '/' => '/', b => "\b", f => "\f", n => "\n", r => "\r", t => "\t");
    return undef unless $line =~ /\A\{"id":1,"result":\{"status":([0-9]{3}),"html":"/;
    my ($status, $start) = ($1, $+[0]);
    return undef unless $line =~ /"\}\}\n?\z/;
    my $html = substr($line, $start);
    $html =~ s/"\}\}\n?\z//;
    return undef if $html =~ /(?<!\\)(?:\\\\)*"/;    # an unescaped quote: not one string
    utf8::decode($html) or return undef;
    $html =~ s/\\(?:(["\\\/bfnrt])|u([0-9a-fA-F]{4}))/defined $1 ? $UNESCAPE{$1} : chr hex $2/ge;
    return { id => 1, result => { status => $status, html => $html } };
}

sub send_request {
    my ($request) = @_;
    # a Timeout makes the connect fail at once, not wait for ever, when the daemon is too stuck to accept
    my $sock = IO::Socket::UNIX->new(Type => IO::Socket::UNIX::SOCK_STREAM(), Peer => $SOCKET, Timeout => $TIMEOUT);
    return (undef, ['Track Delivery is not running',
        'The Waybill service on this server is stopped. Please ask your hosting provider to start it.'])
        if !$sock && ($!{ENOENT} || $!{ECONNREFUSED});
    return (undef, ['Track Delivery did not answer', 'Try again in a minute.']) unless $sock;
    $request->{id} = 1;
    # a daemon that closed the connection at once is told by the reply, not by a SIGPIPE that kills the page
    local $SIG{PIPE} = 'IGNORE';
    print {$sock} JSON::PP->new->utf8->canonical->encode($request), "\n";
    return ({ sock => $sock, buf => '' });
}

sub problem {
    my ($title, $todo) = @_;
    my $doc = !$cpanel;
    return ($doc ? "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\""
          . " content=\"width=device-width, initial-scale=1\"><title>Track Delivery</title></head><body>" : '')
      . '<div role="alert" id="wb-error" style="font:15px/1.5 system-ui,sans-serif;max-width:720px;margin:24px auto;'
      . 'padding:16px 20px;border:1px solid #e3b4b0;background:#fdf4f3;border-radius:8px">'
      . '<h2 style="margin-top:0">' . esc($title) . '</h2><p>' . esc($todo) . '</p>'
      . '<p><a href="' . esc($token . $script) . '">Try again</a></p></div>'
      . ($doc ? '</body></html>' : '');
}

sub esc {
    my ($s) = @_;
    $s = '' unless defined $s;
    $s =~ s/&/&amp;/g; $s =~ s/</&lt;/g; $s =~ s/>/&gt;/g; $s =~ s/"/&quot;/g; $s =~ s/'/&#39;/g;
    return $s;
}
