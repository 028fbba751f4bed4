/**
 * Outbound network for isolated environments that are not in a VPC (docs/isolation.md). An
 * isolated environment starts with a network namespace holding only its loopback (where its
 * Runtime API listens). A function without `VpcConfig` gets, before its runtime starts, a veth
 * pair to the host: its own /30 in 198.18.0.0/15 (RFC 2544's range, unused by real networks),
 * a default route through the host, and, where the host has iptables or nft, forwarding with
 * masquerade, so it reaches what the host reaches. A function with `VpcConfig` keeps only its
 * loopback: no route anywhere, as a Lambda function in a VPC without a NAT gateway.
 *
 * The host's loopback is never reachable through the link (the kernel drops packets for
 * 127.0.0.0/8 that arrive on another interface), nor is another environment's Runtime API (it
 * lives in that environment's own namespace). The pair disappears with the namespace.
 */
import { spawnSync } from 'node:child_process';

/** 198.18.0.0/15: 32,768 /30 links. */
const BASE = (198 << 24) | (18 << 16);
const LINKS = 1 << 15;

export interface OutboundSupport {
  readonly available: boolean;
  /** Forwarding and masquerade are on: beyond the host itself. */
  readonly nat: boolean;
  readonly summary: string;
}

function dotted(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join('.');
}

function run(command: string, args: readonly string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 5000 }).status === 0;
}

/** Turn on forwarding and masquerade for the links' range, once per platform (idempotent). */
function enableNat(): boolean {
  const range = '198.18.0.0/15';
  const rule = ['-t', 'nat', '-C', 'POSTROUTING', '-s', range, '!', '-d', range, '-j', 'MASQUERADE'];
  const iptables = run('iptables', ['-t', 'nat', '-L', '-n']);
  if (iptables) {
    if (!run('iptables', rule)) run('iptables', rule.map((word) => (word === '-C' ? '-A' : word)));
  } else if (run('nft', ['list', 'tables'])) {
    run('nft', ['add', 'table', 'ip', 'lamina']);
    run('nft', ['add', 'chain', 'ip', 'lamina', 'postrouting', '{ type nat hook postrouting priority 100 ; }']);
    run('nft', ['flush', 'chain', 'ip', 'lamina', 'postrouting']);
    run('nft', ['add', 'rule', 'ip', 'lamina', 'postrouting', 'ip', 'saddr', range, 'ip', 'daddr', '!=', range, 'masquerade']);
  } else {
    return false;
  }
  return run('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
}

let detected: OutboundSupport | undefined;

/**
 * Can the platform give environments a link to the host (root)? Turns masquerade on when it can.
 * @example
 * detectOutbound().summary; // 'outbound: a veth link per environment to the host, NAT by iptables'
 */
export function detectOutbound(enableForwarding = true): OutboundSupport {
  if (detected !== undefined) return detected;
  if (!enableForwarding) {
    const root = process.getuid?.() === 0;
    const nat = root && (run('iptables', ['-t', 'nat', '-L', '-n']) || run('nft', ['list', 'tables']));
    return { available: root, nat, summary: root ? `a veth link per environment without VpcConfig${nat ? ', masquerade beyond the host' : ', the host only (no iptables or nft)'}` : 'needs root' };
  }
  if (process.getuid?.() !== 0) {
    detected = { available: false, nat: false, summary: 'no outbound link for isolated environments (needs root): functions have only their loopback' };
    return detected;
  }
  const nat = enableNat();
  detected = {
    available: true,
    nat,
    summary: nat
      ? 'functions without VpcConfig reach the network through the host (veth + masquerade); with VpcConfig only their loopback'
      : 'functions without VpcConfig reach the host through a veth link (no iptables or nft: no masquerade beyond it); with VpcConfig only their loopback',
  };
  return detected;
}

let next = Math.floor(Math.random() * LINKS);
let sequence = 0;

/**
 * The next environment's link, as the launcher's `--link` takes it: the host's interface name,
 * the host's address and the environment's, in their own /30. The launcher makes the veth pair
 * with netlink and configures both ends itself (no `ip` exec; src/sandbox/native/network.c).
 *
 * @example
 * nextLink(); // 'lm1a2bx3:198.18.4.1:198.18.4.2'
 */
export function nextLink(): string {
  const link = next;
  next = (next + 1) % LINKS;
  sequence += 1;
  // Interface names are at most 15 characters: platform pid and a sequence, in base 36.
  const device = `lm${process.pid.toString(36)}x${sequence.toString(36)}`.slice(0, 15);
  return `${device}:${dotted(BASE + link * 4 + 1)}:${dotted(BASE + link * 4 + 2)}`;
}
