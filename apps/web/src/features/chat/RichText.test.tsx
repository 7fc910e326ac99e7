import { render } from "@testing-library/react";
import { beforeAll, describe, expect, test } from "vitest";
import { loadMarkdown, plainText } from "./markdown.js";
import { RichText } from "./RichText.js";

const shown = (text: string) => render(<RichText text={text} />).container;
beforeAll(() => loadMarkdown());

const tags = (el: Element) => [...el.querySelectorAll("*")].map((e) => e.tagName.toLowerCase());

describe("RichText: the supported Markdown", () => {
  test("bold, italic, strike and inline code", () => {
    const el = shown("**bold** *it* _also_ ~~gone~~ `a<b>`");
    expect(el.querySelector("strong")?.textContent).toBe("bold");
    expect([...el.querySelectorAll("em")].map((e) => e.textContent)).toEqual(["it", "also"]);
    expect(el.querySelector("del")?.textContent).toBe("gone");
    expect(el.querySelector("code")?.textContent).toBe("a<b>");
    expect(el.querySelector("b")).toBeNull();
  });

  test("nested emphasis", () => {
    const el = shown("***both*** and **bold _and italic_**");
    expect(el.querySelector("strong em, em strong")?.textContent).toBe("both");
    expect(el.querySelectorAll("strong")[1]?.querySelector("em")?.textContent).toBe("and italic");
  });

  test("a code block keeps its text as typed, markers and all", () => {
    const el = shown("look:\n```ts\nconst x = **1**;\n  <i>y</i>\n```");
    const pre = el.querySelector("pre code")!;
    expect(pre.textContent).toBe("const x = **1**;\n  <i>y</i>");
    expect(pre.querySelector("strong, i")).toBeNull();
  });

  test("block quotes and lists, nested", () => {
    const el = shown("> quoted **word**\n\n- one\n- two\n  1. inner\n\n3. three\n4. four");
    expect(el.querySelector("blockquote strong")?.textContent).toBe("word");
    expect([...el.querySelectorAll("ul > li")].map((li) => li.firstChild?.textContent)).toEqual(["one", "two"]);
    expect(el.querySelector("ul ol li")?.textContent).toBe("inner");
    const ordered = el.querySelectorAll("ol")[1]!;
    expect(ordered.getAttribute("start")).toBe("3");
    expect(ordered.querySelectorAll("li")).toHaveLength(2);
  });

  test("links: only http(s) and mailto, opened safely, the target on hover", () => {
    const el = shown(
      "[site](https://example.org/a) <https://x.test> [mail](mailto:a@b.test) and https://plain.test/p.",
    );
    const links = [...el.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual([
      "https://example.org/a",
      "https://x.test",
      "mailto:a@b.test",
      "https://plain.test/p",
    ]);
    for (const a of links) {
      expect(a.getAttribute("rel")).toBe("noopener noreferrer nofollow");
      expect(a.getAttribute("target")).toBe("_blank");
    }
    expect(links[0]!.getAttribute("title")).toBe("https://example.org/a");
  });

  test("an address in a link's words is not linked twice", () => {
    const el = shown("[https://shown.test](https://real.test) **bold**");
    expect(el.querySelectorAll("a")).toHaveLength(1);
    expect(el.querySelector("a a")).toBeNull();
  });
});

describe("RichText: hostile input stays text", () => {
  test("raw HTML and script are characters, never elements", () => {
    const text = "<script>alert(1)</script> **x** <img src=x onerror=alert(1)> <b>b</b>";
    const el = shown(text);
    expect(tags(el).filter((t) => !["div", "p", "strong", "span"].includes(t))).toEqual([]);
    expect(el.textContent).toContain("<script>alert(1)</script>");
    expect(el.textContent).toContain("<img src=x onerror=alert(1)>");
  });

  test.each([
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox)",
    "[x](/relative/path)",
    "<javascript:alert(1)>",
    "[x]( javascript:alert(1))",
  ])("%s is not a link", (text) => {
    const el = shown(`**b** ${text}`);
    expect(el.querySelector("a")).toBeNull();
    expect(el.textContent).toContain(text.trim().slice(0, 3));
  });

  test("headings, images, tables, rules, entities and reference definitions are shown as typed", () => {
    const text =
      "# Title\n\n![img](https://x.test/a.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\n&amp; &copy;\n\n[r]: https://x.test";
    const el = shown(text);
    expect(el.querySelector("h1, img, table, hr")).toBeNull();
    // Addresses are still links, but only as themselves: nothing hides behind other words.
    for (const a of el.querySelectorAll("a")) expect(a.textContent).toBe(a.getAttribute("href"));
    for (const part of [
      "# Title",
      "![img](https://x.test/a.png)",
      "| a | b |",
      "---",
      "&amp; &copy;",
      "[r]: https://x.test",
    ])
      expect(el.textContent).toContain(part);
  });

  test("very deep nesting shows all of the text, unformatted", () => {
    const text = `${">".repeat(60)} deep *x*`;
    const el = shown(text);
    expect(el.textContent).toBe(text);
    expect(el.querySelector("blockquote")).toBeNull();
  });

  test("very long input renders every character", () => {
    const text = "**a** ".repeat(600) + "_".repeat(400) + "*".repeat(400);
    const el = shown(text);
    expect(el.querySelectorAll("strong")).toHaveLength(600);
    expect(el.textContent!.length).toBe(600 * 2 + 400 + 400);
  });
});

describe("RichText: plain text stays exactly as typed", () => {
  test.each([
    "snake_case_name and my_var_2 ok",
    "2*3*4 = 24, a*b*c",
    "/usr/local/lib/*/bin and C:\\Users\\me",
    "  indented\n\n\n three blank lines   \ttabs",
    "a * b * c and x_y_z",
    "price: 5 * 3 ~ 15 ~ish",
    "这是一个_普通_的句子吗",
    "",
  ])("%j", (text) => {
    const el = shown(text);
    expect(el.querySelector("strong, em, del, code, p")).toBeNull();
    expect(el.querySelector("bdi")?.textContent).toBe(text);
  });

  test("Chinese emphasis without spaces still works", () => {
    expect(shown("这是**重要**的").querySelector("strong")?.textContent).toBe("重要");
  });

  test("line breaks and blank lines in formatted text are kept", () => {
    const el = shown("**a**\nb\n\n\nc");
    expect(el.querySelectorAll("br")).toHaveLength(1);
    const ps = el.querySelectorAll("p");
    expect(ps).toHaveLength(2);
    expect((ps[1] as HTMLElement).style.marginBlockStart).toBe(`${2 * 1.45}em`);
  });

  test("an escaped marker shows the marker", () => {
    const el = shown("\\*not italic\\*");
    expect(el.querySelector("em")).toBeNull();
    expect(el.textContent).toBe("*not italic*");
  });
});

describe("plainText (list previews, notifications)", () => {
  test("markers go, words stay", () => {
    expect(plainText("**Bold** and _it_\n> quote\n- one\n- two\n`code` [link](https://x.test)")).toBe(
      "Bold and it quote one two code link",
    );
    expect(plainText("2*3*4 snake_case <b>")).toBe("2*3*4 snake_case <b>");
  });
});
