/** The TypeScript shape of a schema-valid lab file (schemas/topology.schema.json, format v1). */
export interface LabFile {
  lab: string;
  nodes?: Record<string, NodeSpec>;
  bridges?: Record<string, BridgeSpec>;
  links?: LinkSpec[];
  tests?: TestSpec[];
}

export interface TestSpec {
  ping?: { from: string; to: string; family?: 4 | 6; expect?: 'pass' | 'fail' };
  tcp?: { from: string; to: string; port: number; family?: 4 | 6; expect?: 'pass' | 'fail' };
  route?: { node: string; to: string; via?: string; dev?: string };
  name?: string;
  timeout?: string;
}

export interface InterfaceSpec {
  addresses?: string[];
  mtu?: number;
  mac?: string;
  up?: boolean;
}

export interface NodeSpec {
  interfaces?: Record<string, InterfaceSpec>;
  routes?: RouteSpec[];
  sysctls?: Record<string, number | string>;
}

export interface RouteSpec {
  to: string;
  via: string;
  dev?: string;
  metric?: number;
}

export interface BridgeSpec extends InterfaceSpec {
  node?: string;
}

export interface LinkSpec {
  endpoints: [string, string];
  mtu?: number;
}
