/** The interface language follows a choice made in another tab (the `storage` event), as a reload would. */
import { act, render, screen } from "@testing-library/react";
import { afterEach, expect, test } from "vitest";
import { I18nProvider, useI18n } from "./I18nProvider.js";
import { LANGUAGE_STORAGE_KEY } from "./languages.js";

function Lang() {
  return <p>{useI18n().lang}</p>;
}

function changedInAnotherTab(newValue: string | null, key = LANGUAGE_STORAGE_KEY) {
  act(() => void window.dispatchEvent(new StorageEvent("storage", { key, newValue })));
}

afterEach(() => localStorage.clear());

test("another tab's language choice is followed; other keys and unknown languages are not", () => {
  localStorage.setItem(LANGUAGE_STORAGE_KEY, "en");
  render(
    <I18nProvider>
      <Lang />
    </I18nProvider>,
  );
  expect(screen.getByText("en")).toBeTruthy();
  changedInAnotherTab("zh-CN");
  expect(screen.getByText("zh-CN")).toBeTruthy();
  expect(document.documentElement.lang).toBe("zh-CN");
  changedInAnotherTab("fr");
  changedInAnotherTab("en", "sealroom.other");
  changedInAnotherTab(null);
  expect(screen.getByText("zh-CN")).toBeTruthy();
});

test("a language fixed by the caller stays fixed", () => {
  render(
    <I18nProvider language="en">
      <Lang />
    </I18nProvider>,
  );
  changedInAnotherTab("zh-CN");
  expect(screen.getByText("en")).toBeTruthy();
});
