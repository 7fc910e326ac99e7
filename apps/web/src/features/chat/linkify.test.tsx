import { render } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { linkify } from "./linkify.js";

const html = (text: string) => render(<p>{linkify(text)}</p>).container.querySelector("p")!;

describe("linkify", () => {
  test("http(s) addresses become safe links; the sentence's punctuation stays outside", () => {
    const p = html("see https://example.org/a?b=1. and http://x.test/路径，好吗");
    const links = [...p.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["https://example.org/a?b=1", "http://x.test/路径"]);
    expect(
      links.every(
        (a) => a.getAttribute("rel") === "noopener noreferrer nofollow" && a.getAttribute("target") === "_blank",
      ),
    ).toBe(true);
    expect(p.textContent).toBe("see https://example.org/a?b=1. and http://x.test/路径，好吗");
  });

  test("other schemes and markup stay text", () => {
    const p = html('javascript:alert(1) <b>bold</b> "https://ok.test"');
    expect([...p.querySelectorAll("a")].map((a) => a.getAttribute("href"))).toEqual(["https://ok.test"]);
    expect(p.querySelector("b")).toBeNull();
  });

  test("a bidi override cannot disguise a link's target: the link ends before it and reads left to right", () => {
    const p = html("see https://evil.example/\u202Egpj.exe\u202C now");
    const a = p.querySelector("a")!;
    expect(a.getAttribute("href")).toBe("https://evil.example/");
    expect(a.textContent).toBe("https://evil.example/");
    expect(a.getAttribute("dir")).toBe("ltr");
  });
});
