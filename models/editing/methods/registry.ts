// The editing methods the engine implements, by name. Adding a method: one
// module here (implementing EditMethod) plus its rows in the settings table;
// nothing else names methods.
import { METHOD_LABELS, METHOD_NAMES, type MethodName } from '../../method-names.ts';
import { alphaEdit } from './alphaedit.ts';
import { cRome } from './c-rome.ts';
import { ftL } from './ft-l.ts';
import { memit } from './memit.ts';
import { mend } from './mend.ts';
import { rome } from './rome.ts';
import type { EditMethod } from './types.ts';

const METHODS: Partial<Record<MethodName, EditMethod>> = {
  rome,
  'c-rome': cRome,
  memit,
  'ft-l': ftL,
  alphaedit: alphaEdit,
  mend,
};

/** Names of the implemented methods, in the table's order. */
export const IMPLEMENTED_METHODS: MethodName[] = METHOD_NAMES.filter((m) => METHODS[m]);

export class MethodUnavailableError extends Error {
  constructor(name: string) {
    super(
      (METHOD_NAMES as readonly string[]).includes(name)
        ? `${METHOD_LABELS[name as MethodName]} ("${name}") is not implemented yet; available: ${IMPLEMENTED_METHODS.map((m) => METHOD_LABELS[m]).join(', ')}`
        : `unknown method "${name}"`,
    );
    this.name = 'MethodUnavailableError';
  }
}

export function editMethod(name: MethodName): EditMethod {
  const m = METHODS[name];
  if (!m) throw new MethodUnavailableError(name);
  return m;
}
