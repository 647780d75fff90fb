// Screenshots of the demo page, for people (the README's picture) and for checking the layout by eye:
// both pages at a phone's width (390 px) and a laptop's (1280 px), each after a short journey
// (register, add to the cart, log out, Replay), so every card has content.
//
//   npx tsx test/e2e/screenshots.ts [out-dir] [--balancer nginx|node|none]
//
// Writes <out-dir>/<session|jwt>-<width>.png (the whole page) and -top.png (the first screen), and
// demo-page.png: the jwt page at 1280 px from the decoded token to the replay verdict, the README's
// docs/demo-page.png (default out-dir: a new temp folder, printed).
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Balancer, startStack } from '../../deploy/local-stack';
import { startPostgres } from '../../scripts/postgres';
import { launchBrowser } from './browser';
import { addToCart, click, open, register, replay } from './demo-page';

const WIDTHS = [390, 1280];

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { balancer: { type: 'string', default: 'nginx' } } });
  const out = positionals[0] ? resolve(positionals[0]) : mkdtempSync(join(tmpdir(), 'svt-shots-'));
  mkdirSync(out, { recursive: true });
  const pg = await startPostgres({ unsafeFast: true });
  const browser = await launchBrowser();
  const stack = await startStack({
    databaseUrl: await pg.createDatabase('svt_screenshots'),
    instances: 3,
    balancer: values.balancer as Balancer,
    env: { SCRYPT_LOG_N: '10' },
  });
  try {
    for (const [kind, url] of [
      ['session', stack.sessionUrl],
      ['jwt', stack.jwtUrl],
    ] as const) {
      for (const width of WIDTHS) {
        const { context, page } = await browser.newPage();
        await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
        await open(page, url);
        await register(page, `shopper-${kind}-${width}`);
        await addToCart(page, 'KB-001');
        await addToCart(page, 'MS-002');
        await addToCart(page, 'MS-002');
        await click(page, 'button:has-text("Log out")');
        await replay(page);
        await page.screenshot({ path: join(out, `${kind}-${width}.png`), fullPage: true });
        await page.screenshot({ path: join(out, `${kind}-${width}-top.png`) });
        if (kind === 'jwt' && width === 1280) {
          // Page coordinates (boundingBox() is relative to the scrolled viewport; the clip is not).
          const [top, bottom] = await page.evaluate(() => [
            (document.getElementById('credential-card')?.getBoundingClientRect().top ?? 0) + window.scrollY,
            (document.getElementById('replay-card')?.getBoundingClientRect().bottom ?? 0) + window.scrollY,
          ]);
          await page.screenshot({ path: join(out, 'demo-page.png'), fullPage: true, clip: { x: 0, y: top - 16, width, height: bottom - top + 32 } });
        }
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await stack.stop();
    await pg.stop();
  }
  console.log(`screenshots in ${out}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
