import { z } from "zod";
import { optionsFromForm } from "@/components/sync_options_form.ts";
import { NO_SUCH_SYNC } from "@/lib/http/domain_errors.ts";
import { page } from "@/lib/http/page.ts";
import { ConfigIdParams, SyncConfigPatchIn } from "@/lib/sync/api_schemas.ts";
import { updateSyncConfigForUser } from "@/lib/sync/configs.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";

/** The sync page's options form, read as the Edit dialog reads it, then checked as a PATCH. */
// The form always sends `privacy`: a body without it is no post of this form (unchecked boxes
// are absent, so an empty body would otherwise read as "every option off").
const OptionsForm = z.object({
  privacy: z.enum(["full", "busy"], { message: "expected full or busy" }),
})
  .catchall(z.string())
  .transform((fields) => optionsFromForm(new Map(Object.entries(fields))))
  // The form always names every field; zod's pipe types want the PATCH to take exactly that.
  .pipe(SyncConfigPatchIn as z.ZodType<SyncConfigPatch, ReturnType<typeof optionsFromForm>>);

type SyncConfigPatch = z.output<typeof SyncConfigPatchIn>;

/** Saving a sync's options without JavaScript. */
export const handler = define.handlers({
  POST: page(
    { params: ConfigIdParams, form: OptionsForm },
    async (ctx, { user, params, form }) => {
      const updated = await updateSyncConfigForUser(ctx.state.services, user.id, params.id, form);
      if (!updated) throw new HttpError(404, NO_SUCH_SYNC);
      return ctx.redirect(`/syncs/${params.id}?notice=saved#options`);
    },
  ),
});
