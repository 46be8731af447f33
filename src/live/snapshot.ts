/** Raw `ip -j` shapes, only the fields topo reads (iproute2 6.1, kernel-facts 2.4). */
export interface IpLink {
  readonly ifindex: number;
  readonly ifname: string;
  readonly flags?: readonly string[];
  readonly mtu?: number;
  readonly master?: string;
  /** Peer name; present only when the peer is in the same namespace. */
  readonly link?: string | null;
  readonly link_index?: number;
  /** nsid of the peer's namespace as seen from this namespace (not global). */
  readonly link_netnsid?: number;
  readonly ifalias?: string;
  readonly address?: string;
  readonly linkinfo?: { readonly info_kind?: string };
}

export interface IpAddrInfo {
  readonly family: string;
  readonly local: string;
  readonly prefixlen: number;
  readonly scope?: string;
  readonly dynamic?: boolean;
  readonly tentative?: boolean;
  readonly dadfailed?: boolean;
}

export interface IpAddr {
  readonly ifname: string;
  readonly addr_info?: readonly IpAddrInfo[];
}

export interface IpRoute {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly metric?: number;
  readonly protocol?: string;
  readonly table?: string;
  readonly type?: string;
  readonly pref?: string;
}

export interface NsId {
  readonly nsid: number;
  readonly name?: string;
}

/** Everything read from one namespace (HOST for the root one). */
export interface NsSnapshot {
  readonly ns: string;
  readonly links: readonly IpLink[];
  readonly addrs: readonly IpAddr[];
  readonly routes: readonly IpRoute[];
  /**
   * This namespace's nsids for the others, by name: absent when not read. `netns list-id` opens
   * every /run/netns entry, so reading it in every namespace costs O(N²): at 500 namespaces it was
   * 40% of the whole read (1.7 s against 1.0 s without it). A lab's reads take only the host's;
   * live/read.ts gets what pairing veth ends needs, mostly by asking the host, and then holds
   * only those nsids (a part of the list).
   */
  readonly nsids?: readonly NsId[];
  /** Only the keys that were asked for, values as `sysctl` prints them. */
  readonly sysctls?: Readonly<Record<string, string>>;
}

/** The raw state of the machine as far as a lab can see it. */
export interface KernelSnapshot {
  readonly namespaces: readonly NsSnapshot[];
  /** Entries of /run/netns that are not usable namespaces, with the reason. */
  readonly strays: readonly { readonly name: string; readonly reason: string }[];
  /** The namespaces ('host' included) a read was limited to, where it was (plan's early read). */
  readonly only?: ReadonlySet<string>;
}
