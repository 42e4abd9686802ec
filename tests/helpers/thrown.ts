// The error a call throws, checked to be of the expected class; a call that
// does not throw fails the test (so a refusal test cannot pass vacuously).
import { expect } from 'vitest';

export function thrown<E extends Error>(call: () => unknown, kind: abstract new (...args: never[]) => E): E {
  try {
    call();
  } catch (e) {
    expect(e).toBeInstanceOf(kind);
    return e as E;
  }
  throw new Error(`expected a ${kind.name}`);
}
