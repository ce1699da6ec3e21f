package Cpanel::LiveAPI;
# The emulated cPanel's Cpanel::LiveAPI, for the page tests only. A real one talks to cpsrvd
# over $CPANEL_CONNECT_SOCKET and cannot be created without it; this one needs the variable too.
# header() and footer() return cPanel's chrome as strings (the page prints them); cpanelfeature()
# says whether the account's feature list has a feature: every feature is on except those named,
# comma-separated, in $WAYBILL_EMU_FEATURES_OFF.
use strict;
use warnings;

sub new {
    my ($class) = @_;
    die "Cpanel::LiveAPI: no connection to cpsrvd\n" unless $ENV{CPANEL_CONNECT_SOCKET};
    return bless {}, $class;
}

sub header {
    my ($self, $title) = @_;
    return "<!-- cPanel header: $title -->\n";
}

sub footer {
    return "<!-- cPanel footer -->\n";
}

sub cpanelfeature {
    my ($self, $feature) = @_;
    my %off = map { $_ => 1 } split /,/, ($ENV{WAYBILL_EMU_FEATURES_OFF} // '');
    return $off{$feature} ? 0 : 1;
}

sub end {
    return 1;
}

1;
