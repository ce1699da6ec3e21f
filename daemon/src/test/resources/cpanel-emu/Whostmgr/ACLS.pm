package Whostmgr::ACLS;
# The emulated cPanel's Whostmgr::ACLS, for the page tests only: the WHM CGI calls init_acls()
# and checkacl() as on a real server. root has every privilege ("all"); a reseller has the ACLs
# listed for it in var/cpanel/resellers ("name:acl,acl,...") under the fake cPanel root, which
# the emulator names in $WAYBILL_EMU_CPANEL_ROOT.
use strict;
use warnings;

our %ACL;

sub init_acls {
    %ACL = ();
    my $user = $ENV{REMOTE_USER} // '';
    if ($user eq 'root') {
        $ACL{all} = 1;
        return;
    }
    my $file = ($ENV{WAYBILL_EMU_CPANEL_ROOT} // '/') . '/var/cpanel/resellers';
    open my $fh, '<', $file or return;
    while (my $line = <$fh>) {
        chomp $line;
        my ($name, $acls) = split /:/, $line, 2;
        next unless defined $acls && $name eq $user;
        $ACL{$_} = 1 for grep { length } split /,/, $acls;
    }
    close $fh;
}

sub checkacl {
    my ($acl) = @_;
    return 1 if $ACL{all};
    return $ACL{$acl} ? 1 : 0;
}

1;
