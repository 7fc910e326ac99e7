import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { AppError } from "@sealroom/proto/errors";
import type { PublicUser } from "@sealroom/proto/auth";
import { KEY_A, createHarness, renderWith } from "../test/fakes.js";
import { AuthScreen } from "./AuthScreen.js";

async function setup(language: "en" | "zh-CN" = "en") {
  const h = createHarness({ pinned: KEY_A });
  await h.session.start();
  renderWith(<AuthScreen />, h, language);
  return { h, user: userEvent.setup() };
}

const username = () => screen.getByLabelText("Username") as HTMLInputElement;
const password = () => screen.getByLabelText("Password") as HTMLInputElement;

describe("AuthScreen", () => {
  test("focuses the username field when it appears", async () => {
    await setup();
    expect(document.activeElement).toBe(username());
  });

  test("submitting empty fields explains each and focuses the first, without connecting", async () => {
    const { h, user } = await setup();
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(screen.getByText("Enter a username.")).toBeTruthy();
    expect(screen.getByText("Enter your password.")).toBeTruthy();
    expect(username().getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(username());
    expect(h.client.calls).toEqual([]);
  });

  test("registration applies the server's policy before sending anything", async () => {
    const { h, user } = await setup();
    await user.click(screen.getByRole("tab", { name: "Create account" }));
    await user.type(username(), "bad name");
    await user.type(password(), "short");
    await user.type(screen.getByLabelText("Confirm password"), "shorter");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect(screen.getByText("Use only letters, digits, _ . or -, and start with a letter or digit.")).toBeTruthy();
    expect(screen.getByText("Use at least 8 characters.")).toBeTruthy();
    expect(screen.getByText("The passwords do not match.")).toBeTruthy();
    expect(h.client.calls).toEqual([]);
  });

  test("passwords keep their spaces, usernames lose surrounding whitespace", async () => {
    const { h, user } = await setup();
    let seen: [string, string] | undefined;
    h.client.authImpl = async (u, p) => {
      seen = [u, p];
      return { id: 1, username: u };
    };
    await user.type(username(), " 王小明 ");
    await user.type(password(), "  a pass phrase  ");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(seen).toEqual(["王小明", "  a pass phrase  "]));
  });

  test("the submit button is disabled while the request is pending", async () => {
    const { h, user } = await setup();
    let finish!: (u: PublicUser) => void;
    h.client.authImpl = () => new Promise((resolve) => (finish = resolve));
    await user.type(username(), "alice");
    await user.type(password(), "whatever");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    const pending = screen.getByRole("button", { name: "Signing in…" }) as HTMLButtonElement;
    expect(pending.disabled).toBe(true);
    await act(async () => finish({ id: 1, username: "alice" }));
  });

  test("a wrong password is a sentence in an alert, and the password field is cleared and focused", async () => {
    const { h, user } = await setup();
    h.client.authImpl = async () => {
      throw new AppError("AUTH_INVALID_CREDENTIALS");
    };
    await user.type(username(), "alice");
    await user.type(password(), "wrong password");
    await user.keyboard("{Enter}");
    expect((await screen.findByRole("alert")).textContent).toBe("Wrong username or password.");
    expect(password().value).toBe("");
    expect(document.activeElement).toBe(password());
    expect(screen.queryByText(/AUTH_/)).toBeNull();
  });

  test("a stale sign-in error does not stay above the next attempt's own error (outside review, item 17)", async () => {
    const { h, user } = await setup();
    h.client.authImpl = async () => {
      throw new AppError("AUTH_INVALID_CREDENTIALS");
    };
    await user.type(username(), "alice");
    await user.type(password(), "wrong password");
    await user.keyboard("{Enter}");
    expect((await screen.findByTestId("auth-error")).textContent).toBe("Wrong username or password.");
    // Submitted again with the password field empty: the field explains, the old refusal is gone.
    await user.keyboard("{Enter}");
    expect(await screen.findByText("Enter your password.")).toBeTruthy();
    expect(screen.getByTestId("auth-error").textContent).toBe("");
  });

  test.each([
    // A lockout after failed attempts.
    { code: "AUTH_THROTTLED" as const, waitMs: 42_000, shown: /try again in 4[12] seconds/ },
    // A busy server's paced retry hint in a sign-in storm.
    { code: "AUTH_BUSY" as const, waitMs: 6_000, shown: /busy signing people in\. You can try again in [56] seconds/ },
  ])("$code shows the wait from retryAfterMs and blocks the button meanwhile", async ({ code, waitMs, shown }) => {
    const { h, user } = await setup();
    h.client.authImpl = async () => {
      throw new AppError(code, "x", waitMs);
    };
    await user.type(username(), "alice");
    await user.type(password(), "wrong password");
    await user.keyboard("{Enter}");
    expect((await screen.findByRole("alert")).textContent).toMatch(shown);
    expect((screen.getByRole("button", { name: "Sign in" }) as HTMLButtonElement).disabled).toBe(true);
  });

  test("tabs switch with the arrow keys and keep the username", async () => {
    const { user } = await setup();
    await user.type(username(), "alice");
    await user.click(screen.getByRole("tab", { name: "Sign in" }));
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("tab", { name: "Create account" }).getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(screen.getByRole("tab", { name: "Create account" }));
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Create your account");
    expect(username().value).toBe("alice");
  });

  test("speaks Chinese", async () => {
    await setup("zh-CN");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("欢迎回来");
    expect(screen.getByLabelText("用户名")).toBeTruthy();
  });
});
