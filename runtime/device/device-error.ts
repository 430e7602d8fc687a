// Errors from getting or keeping a WebGPU device. They carry a plain message a
// user can act on ("install chromium", "this adapter offers at most ..."),
// because the raw Dawn/browser errors rarely say what to do.

export class DeviceError extends Error {
  override readonly name = 'DeviceError';
}

/** The device went away for a reason other than our own `destroy()`. */
export class DeviceLostError extends DeviceError {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`WebGPU device lost (${reason}): ${detail || 'no detail given'}; results computed after this point are invalid, request a new device`);
  }
}
