import { ErrorMessage } from "@/components/ErrorMessage.tsx";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";
import type { ErrorPageData } from "@/lib/web/types.ts";

export default define.page<ErrorPageData>(function NotFound() {
  return (
    <>
      <Head>
        <title>Page not found · cal-sync</title>
      </Head>
      <ErrorMessage title="Page not found" message="There is nothing at this address." />
    </>
  );
});
