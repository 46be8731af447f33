import type { ErrorObject } from 'ajv';

/** schemas/topology.schema.json, compiled ahead of time by scripts/gen-validator.mjs. */
declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
export default validate;
