/**
 * Screenshots of one screen in every variant a reviewer looks at: English and Simplified Chinese,
 * light and dark, desktop (1280 px) and phone (390 px) width. Chinese is saved and the page
 * reloaded, as a user's saved choice is applied on start; `reopen` brings the screen back after
 * that reload. English then comes as another tab's choice would: saved, and the page told by a
 * `storage` event (I18nProvider follows it), without a reload, so the English shots also show the
 * screen switched live. Leaves the page in English, light, desktop width.
 */
import path from "node:path";
import type { Page } from "playwright-core";
import { shots } from "./browsers.js";

const LANGUAGE_KEY = "sealroom.lang";

export async function shootVariants(page: Page, name: string, reopen: () => Promise<void>): Promise<string[]> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [LANGUAGE_KEY, "zh-CN"] as const);
  await page.reload();
  await reopen();
  const files = await shootSchemes(page, `${name}-zh-CN`);
  await page.evaluate(
    ([key, value]) => {
      const old = localStorage.getItem(key);
      localStorage.setItem(key, value);
      // What the browser fires in the other tabs of the origin when one of them saves.
      window.dispatchEvent(
        new StorageEvent("storage", { key, oldValue: old, newValue: value, storageArea: localStorage }),
      );
    },
    [LANGUAGE_KEY, "en"] as const,
  );
  await page.waitForFunction(() => document.documentElement.lang === "en");
  files.push(...(await shootSchemes(page, `${name}-en`)));
  return files;
}

/**
 * The screen as it is (no reload: for what a reload would clear, like a notice already shown),
 * light and dark, desktop and phone width; back to light at desktop width after.
 */
export async function shootSchemes(page: Page, name: string): Promise<string[]> {
  const files: string[] = [];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 780 : 800 });
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const file = path.join(shots, `variant-${name}-${width}-${scheme}.png`);
      await page.screenshot({ path: file, animations: "disabled" });
      files.push(file);
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: "light" });
  return files;
}
