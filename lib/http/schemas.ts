import { z } from "zod";

/** Shapes shared by several API responses. */
export const UserOut = z.object({
  id: z.uuid(),
  email: z.email(),
  created_at: z.iso.datetime(),
}).meta({ id: "User" });

export const ErrorOut = z.object({
  error: z.object({
    code: z.number().int(),
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional(),
    request_id: z.string().optional(),
  }),
}).meta({ id: "Error" });

export function userOut(user: { id: string; email: string; created_at: Date }) {
  return { id: user.id, email: user.email, created_at: user.created_at.toISOString() };
}
