import { Layout } from "@/components/Layout.tsx";
import { asset } from "@/lib/web/render.tsx";
import type { AppProps } from "@/lib/web/types.ts";
import { currentUser } from "@/lib/web/user.ts";

export default function App({ Component, state, url }: AppProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>cal-sync</title>
        <link rel="icon" type="image/svg+xml" href={asset("/favicon.svg")} />
        <link rel="stylesheet" href={asset("/styles.css")} />
      </head>
      <body>
        <Layout user={currentUser(state)} url={url}>
          <Component />
        </Layout>
      </body>
    </html>
  );
}
