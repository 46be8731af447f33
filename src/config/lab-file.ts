/** The TypeScript shape of a schema-valid lab file (schemas/topology.schema.json, format v1). */
export interface LabFile {
  lab: string;
  nodes?: Record<string, NodeSpec>;
  bridges?: Record<string, BridgeSpec>;
  links?: LinkSpec[];
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
