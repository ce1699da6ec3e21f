#!/usr/bin/perl
print "Content-type: text/html\r\n\r\ntest cgi\n";
