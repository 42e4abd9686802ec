// C-ROME (methods.md): ROME with the template-averaged key and output in the
// denominator and the residual, which keeps subject-at-start edits finite.
import { romeFamily } from './rome.ts';

export const cRome = romeFamily('c-rome');
