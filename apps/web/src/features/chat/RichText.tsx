/**
 * A message's text on screen: plain text exactly as typed (with its web addresses as links), or,
 * when it uses the Markdown subset (see markdown.ts), React elements built from markdown-it's
 * tokens. Every element comes from the fixed table below; no markup from the message ever
 * reaches the DOM as markup. Mentions the message's content names (mentions.tsx) are highlighted
 * wherever its text runs, outside links and code.
 */
import { createElement, useMemo, type ReactNode } from "react";
import { linkify } from "./linkify.js";
import { withMentions, type MentionMarks } from "./mentions.js";
import { isPlain, parseMessage, tooDeep, useMarkdownReady, type Token } from "./markdown.js";

/** Token type (without _open/_close) -> element. */
const ELEMENTS: Record<string, string> = {
  paragraph: "p",
  blockquote: "blockquote",
  bullet_list: "ul",
  ordered_list: "ol",
  list_item: "li",
  strong: "strong",
  em: "em",
  s: "del",
  link: "a",
};

export function RichText({
  text,
  linkTabIndex,
  mentions,
}: {
  text: string;
  linkTabIndex?: number;
  mentions?: MentionMarks | undefined;
}) {
  const ready = useMarkdownReady();
  const tokens = useMemo(() => (ready ? parseMessage(text) : undefined), [ready, text]);
  const words = (s: string) => withMentions(s, mentions, (rest) => linkify(rest, linkTabIndex));
  if (!tokens || isPlain(tokens) || tooDeep(tokens)) return <bdi className="msg-text">{words(text)}</bdi>;
  return (
    <div className="msg-text msg-rich" dir="auto" data-testid="rich-text">
      {renderBlocks(tokens, linkTabIndex, words)}
    </div>
  );
}

/** How a run of text is shown: mentions highlighted, addresses linked. */
type Words = (text: string) => ReactNode;

interface Frame {
  type: string;
  token: Token | undefined;
  children: ReactNode[];
}

function renderBlocks(tokens: readonly Token[], linkTabIndex: number | undefined, words: Words): ReactNode[] {
  const root: Frame = { type: "root", token: undefined, children: [] };
  const stack = [root];
  const top = () => stack[stack.length - 1]!;
  let key = 0;
  let lastEnd: number | undefined;
  for (const t of tokens) {
    // A tight list's paragraphs are not shown as paragraphs.
    if (t.hidden) continue;
    if (t.type === "inline") {
      top().children.push(...renderInline(t.children ?? [], linkTabIndex, `${key++}`, words));
    } else if (t.type === "fence") {
      top().children.push(
        <pre key={key++} className="msg-code-block" dir="ltr" style={gapBefore(t, lastEnd, stack.length)}>
          <code>{t.content.replace(/\n$/, "")}</code>
        </pre>,
      );
      lastEnd = t.map?.[1];
    } else if (t.nesting === 1) {
      stack.push({ type: t.type.replace(/_open$/, ""), token: t, children: [] });
    } else if (t.nesting === -1 && stack.length > 1) {
      const frame = stack.pop()!;
      const open = frame.token!;
      const start = open.type === "ordered_list_open" ? Number(open.attrGet("start") ?? 1) : undefined;
      top().children.push(
        createElement(
          ELEMENTS[frame.type] ?? "span",
          { key: key++, start: start === 1 ? undefined : start, style: gapBefore(open, lastEnd, stack.length) },
          ...frame.children,
        ),
      );
      if (stack.length === 1) lastEnd = open.map?.[1];
    }
  }
  while (stack.length > 1) {
    const unclosed = stack.pop()!;
    top().children.push(...unclosed.children);
  }
  return root.children;
}

/**
 * Blank lines between top-level blocks are kept as typed (Markdown would fold any number into
 * one paragraph gap): each one is a line of space.
 */
function gapBefore(t: Token, lastEnd: number | undefined, depth: number) {
  if (depth !== 1 || lastEnd === undefined || !t.map) return undefined;
  const blank = t.map[0] - lastEnd;
  return blank > 0 ? { marginBlockStart: `${blank * 1.45}em` } : undefined;
}

function renderInline(
  tokens: readonly Token[],
  linkTabIndex: number | undefined,
  prefix: string,
  words: Words,
): ReactNode[] {
  const root: Frame = { type: "root", token: undefined, children: [] };
  const stack = [root];
  const top = () => stack[stack.length - 1]!;
  let inLink = 0;
  tokens.forEach((t, i) => {
    const key = `${prefix}.${i}`;
    switch (t.type) {
      case "text":
        // Addresses inside a link's own text are not linked again (no link inside a link).
        top().children.push(inLink > 0 ? t.content : <span key={key}>{words(t.content)}</span>);
        return;
      case "code_inline":
        top().children.push(
          <code key={key} className="msg-code">
            {t.content}
          </code>,
        );
        return;
      case "softbreak":
      case "hardbreak":
        top().children.push(<br key={key} />);
        return;
    }
    if (t.nesting === 1) {
      if (t.type === "link_open") inLink++;
      stack.push({ type: t.type.replace(/_open$/, ""), token: t, children: [] });
    } else if (t.nesting === -1 && stack.length > 1) {
      const frame = stack.pop()!;
      if (frame.type === "link") {
        inLink--;
        top().children.push(link(frame, key, linkTabIndex));
      } else {
        top().children.push(createElement(ELEMENTS[frame.type] ?? "span", { key }, ...frame.children));
      }
    }
  });
  // An unclosed frame (markdown-it always closes them, but nothing is lost if not).
  while (stack.length > 1) {
    const unclosed = stack.pop()!;
    top().children.push(...unclosed.children);
  }
  return root.children;
}

function link(frame: Frame, key: string, linkTabIndex: number | undefined): ReactNode {
  const href = String(frame.token?.attrGet("href") ?? "");
  return (
    <a
      key={key}
      href={href}
      // The target shows on hover: a link's words can say anything.
      title={href}
      target="_blank"
      rel="noopener noreferrer nofollow"
      className="msg-link"
      tabIndex={linkTabIndex}
    >
      {frame.children}
    </a>
  );
}
