import { IConstruct } from 'constructs';

/**
 * Marks that aws-cdk-lib's public `Errors.isConstructError` / `Errors.isValidationError` test
 * (core/lib/errors.ts, the same two `Symbol.for` keys from 2.186.0 to 2.276.0).
 */
const CONSTRUCT_ERROR_SYMBOL = Symbol.for('@aws-cdk/core.SynthesisError');
const VALIDATION_ERROR_SYMBOL = Symbol.for('@aws-cdk/core.ValidationError');
const CONSTRUCT_PATHS = new WeakMap<Error, string>();

/**
 * A user error tied to a construct: the message, then the construct's path, and no stack trace into
 * this library's sources (which tells a user nothing they can act on).
 *
 * Why not aws-cdk-lib's own `ValidationError`: it is `@internal` over the whole peer range (not part of
 * the jsii API), and its constructor changed from `(message, scope)` at 2.186.0 to
 * `(name, message, scope)` in later releases (core/lib/errors.ts), so no single call works from the
 * floor to the newest release. This error presents the same way (name `ValidationError`, the message,
 * `at path [...]`) and is recognised by the public `Errors.isValidationError()`.
 */
class ValidationError extends Error {
  constructor(message: string, scope: IConstruct) {
    super(message);
    Object.setPrototypeOf(this, ValidationError.prototype);
    Object.defineProperty(this, CONSTRUCT_ERROR_SYMBOL, { value: true });
    Object.defineProperty(this, VALIDATION_ERROR_SYMBOL, { value: true });
    this.name = 'ValidationError';
    CONSTRUCT_PATHS.set(this, scope.node.path);
    // Node prints `stack` for an uncaught error (and the CDK CLI shows what the app printed)
    this.stack = `${this.name}: ${message}\n    at path [${scope.node.path}]`;
  }

  /** The path of the construct the error is about (a getter: Node prints an error's own properties). */
  public get constructPath(): string | undefined {
    return CONSTRUCT_PATHS.get(this);
  }
}

/** The error to throw for a user error about `scope` (see `ValidationError` above). */
export function validationError(message: string, scope: IConstruct): Error {
  return new ValidationError(message, scope);
}
