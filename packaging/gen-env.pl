#!/usr/bin/perl
# Writes the packaged /etc/gatehouse/gatehouse.env to stdout: every configuration key, in the order of
# ConfigKey.all, each commented with its help text and default.
#   gen-env.pl BINARY CONFIGKEYS_SWIFT
# The keys and defaults come from the built binary (`gatehouse check-config` on an empty file); the help
# texts from Sources/FCGIHost/Config/ConfigKeys.swift. The two must agree key for key, or this fails:
# the file can never miss a key the binary knows.
use strict;
use warnings;
use File::Temp qw(tempfile);

my ($binary, $source) = @ARGV;
die "usage: $0 BINARY CONFIGKEYS_SWIFT\n" unless defined $source;

# Production values: the Debian layout (DESIGN.md, Configuration and files). Keys not listed here are
# written commented out, so they follow the binary's default, also after an upgrade that changes it.
my %production = (
    DATABASE_URL   => 'sqlite:///var/lib/gatehouse/gatehouse.db',
    KEYS_DIR       => '/var/lib/gatehouse/keys',
    SERVICE_SECRET => '',
    SERVICE_SECRET_FILE => '/var/lib/gatehouse/service-secret',
    LISTEN         => 'unix:/run/gatehouse/gatehouse.sock',
    SOCKET_GROUP   => 'www-data',
    RUNTIME_DIR    => '/run/gatehouse',
);
# Notes on the packaged setup, after a key's own help text.
my %notes = (
    JWT_ISSUER => ['Set it to the public URL of this server, e.g. https://auth.example.com.'],
    SERVICE_SECRET => ['Empty: the secret is read from SERVICE_SECRET_FILE, which the package creates on first install.'],
    LISTEN => ['Under systemd the socket comes from gatehouse.socket (ListenStream=) and this is not used.'],
    SOCKET_MODE => ['Under systemd gatehouse.socket sets the mode (SocketMode=0660).'],
    SOCKET_GROUP => ['Under systemd gatehouse.socket sets the group (SocketGroup=www-data). Started by hand,',
        'gatehouse can give the socket this group only when it runs as root or as a member of it.'],
    SHUTDOWN_TIMEOUT => ['Keep it below TimeoutStopSec= of gatehouse.service (45s).'],
    DATABASE_URL => ['Under systemd only /var/lib/gatehouse and /run/gatehouse are writable (ProtectSystem=strict):',
        'another directory needs ReadWritePaths= in a drop-in (systemctl edit gatehouse).'],
);

# Keys and defaults, as the binary sees them.
my ($fh, $empty) = tempfile(UNLINK => 1);
close $fh;
my @binary_keys;
my %default;
{
    local %ENV = (PATH => '/usr/bin:/bin');
    open(my $out, '-|', $binary, 'check-config', '--config', $empty) or die "$0: cannot run $binary: $!\n";
    while (my $line = <$out>) {
        chomp $line;
        my ($key, $value) = $line =~ /^([A-Z0-9_]+)=(.*)$/ or die "$0: unexpected check-config line: $line\n";
        push @binary_keys, $key;
        $default{$key} = $value;
    }
    close $out or die "$0: $binary check-config failed\n";
}
die "$0: $binary check-config listed no keys\n" unless @binary_keys;

# Help texts, from the Swift source: ConfigKey("NAME", "default", [secret: true,] "help").
my $swift = do { local $/; open(my $in, '<', $source) or die "$0: $source: $!\n"; <$in> };
my $string = qr/"((?:[^"\\]|\\.)*)"/;
my (%help, %source_default, %secret, @source_keys);
while ($swift =~ /ConfigKey\(\s*"([A-Z0-9_]+)"\s*,\s*$string\s*,\s*(secret:\s*true\s*,\s*)?$string\s*\)/g) {
    my ($key, $value, $is_secret, $text) = ($1, $2, $3, $4);
    s/\\(.)/$1/g for $value, $text;
    push @source_keys, $key;
    ($source_default{$key}, $secret{$key}, $help{$key}) = ($value, defined $is_secret, $text);
}
my $binary_list = join(' ', @binary_keys);
my $source_list = join(' ', @source_keys);
die "$0: keys differ between $binary and $source\n  binary: $binary_list\n  source: $source_list\n"
    unless $binary_list eq $source_list;
for my $key (@binary_keys) {
    die "$0: $key: default \"$default{$key}\" in the binary, \"$source_default{$key}\" in $source\n"
        unless $secret{$key} || $default{$key} eq $source_default{$key};
}
for my $key (keys %production) {
    die "$0: production value for unknown key $key\n" unless exists $default{$key};
}

print <<'HEADER';
# /etc/gatehouse/gatehouse.env: the configuration of Gatehouse (see gatehouse(8)).
#
# KEY=VALUE lines; `#` starts a comment. A commented-out key has the default shown. The environment
# overrides this file. `gatehouse check-config` prints the effective values with secrets masked;
# `systemctl reload gatehouse` applies changes without dropping requests (LISTEN needs a restart).
# An unknown key or a bad value stops start-up (and a reload is refused) with a message naming the key.
#
# This file holds secrets: keep it root:gatehouse, mode 0640.
HEADER

for my $key (@binary_keys) {
    my $shown = $default{$key} eq '' ? 'empty' : $default{$key};
    print "\n# $help{$key}\n";
    print "# $_\n" for @{ $notes{$key} // [] };
    print "# Default: $shown\n";
    if (exists $production{$key}) {
        print "$key=$production{$key}\n";
    } else {
        print "#$key=$default{$key}\n";
    }
}
