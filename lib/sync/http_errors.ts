/** How the sync domain's errors answer over HTTP (used by routes/api/sync/**). */
import { HttpError } from "@/lib/web/http_error.ts";
import {
  CopiesNotRemovedError,
  GoogleUnavailableError,
  InvalidSyncConfigError,
  SyncConfigConflictError,
  SyncInProgressError,
} from "./configs.ts";

/** The HttpError for a domain error; anything else is rethrown as it is (a 500). */
export function syncHttpError(err: unknown): never {
  if (err instanceof InvalidSyncConfigError) {
    throw new HttpError(422, err.message, { fields: err.fields, cause: err });
  }
  if (err instanceof SyncInProgressError) {
    throw new HttpError(409, "A sync of this config is already in progress", { cause: err });
  }
  if (err instanceof SyncConfigConflictError) throw new HttpError(409, err.message, { cause: err });
  if (err instanceof CopiesNotRemovedError || err instanceof GoogleUnavailableError) {
    throw new HttpError(502, err.message, { cause: err });
  }
  throw err;
}

export const NOT_FOUND = "No such sync config";
