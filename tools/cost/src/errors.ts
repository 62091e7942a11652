import { StrataError } from '@strata/runtime';

/**
 * Base of the cost model's errors, a branch of Strata's one error tree. None is retriable:
 * each is a file or a flag that a person has to correct, and the message names it.
 */
export class CostError extends StrataError {}

/** A load flag or load file holds a value the model cannot use. */
export class CostInputError extends CostError {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`${input}: ${message}`, { context: { input } });
  }
}

/** A price file or a figures file is missing a value, or holds one of the wrong shape. */
export class CostDataError extends CostError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`, { context: { file } });
  }
}
