// Errors of the admin API, answered as JSON `{code, message, region, path}` like Garage's.
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export const badRequest = (message: string): AdminError => new AdminError(400, "InvalidRequest", message)
export const notFound = (code: string, message: string): AdminError => new AdminError(404, code, message)
