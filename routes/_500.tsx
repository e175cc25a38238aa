import { ErrorMessage } from "@/components/ErrorMessage.tsx";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";
import type { ErrorPageData } from "@/lib/web/types.ts";

export default define.page<ErrorPageData>(function ServerError({ data }) {
  const title = data.status >= 500 ? "Something went wrong" : "This request cannot be served";
  return (
    <>
      <Head>
        <title>{`${title} · cal-sync`}</title>
      </Head>
      <ErrorMessage title={title} message={data.message} requestId={data.requestId} />
    </>
  );
});
