/**
 * The avatar: the profile's picture (alt: the name) once it has loaded, the initial when it fails,
 * when there is none or once it is removed; one fetch per picture version.
 */
import { describe, expect, test } from "vitest";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { ScriptedClient, renderSocial } from "../features/social/testing.js";
import { Avatar } from "./Avatar.js";

const amy = { id: 2, username: "amy" };
const V1 = "AAAAAAAAAAAAAAAA";
const profile = (avatar: string | null) => ({ user: amy, displayName: "Amy", about: null, avatar });

function client(avatar: string | null = V1): ScriptedClient {
  const c = new ScriptedClient({ profiles: [profile(avatar)] });
  c.handlers["social.profiles.avatar"] = () => ({
    avatar: { userId: amy.id, version: V1, mime: "image/png", data: "iVBORw0KGgo" },
  });
  return c;
}

const fetches = (c: ScriptedClient) => c.sent.filter((s) => s.type === "social.profiles.avatar").length;

describe("Avatar", () => {
  test("shows the picture once it has loaded, alt text the name; fetched once for two avatars", async () => {
    const c = client();
    const { container } = await renderSocial(
      <>
        <Avatar name="Amy" userId={amy.id} />
        <Avatar name="Amy" userId={amy.id} size={40} />
      </>,
      c,
    );
    const imgs = await screen.findAllByAltText("Amy", {}, { hidden: true } as never);
    expect(imgs.map((i) => i.getAttribute("src"))).toEqual([
      "data:image/png;base64,iVBORw0KGgo=",
      "data:image/png;base64,iVBORw0KGgo=",
    ]);
    // happy-dom reports the load itself; a browser keeps the initial until then (the e2e shows both).
    for (const img of imgs) fireEvent.load(img);
    await waitFor(() => expect(container.querySelectorAll(".avatar[data-picture]")).toHaveLength(2));
    expect(container.textContent).toBe("");
    expect(fetches(c)).toBe(1);
  });

  test("keeps the initial when the picture fails to load, and when there is none", async () => {
    const c = client();
    const { container } = await renderSocial(<Avatar name="Amy" userId={amy.id} />, c);
    const img = await screen.findByAltText("Amy", {}, { hidden: true } as never);
    fireEvent.error(img);
    await waitFor(() => expect(container.querySelector("img")).toBeNull());
    expect(container.textContent).toBe("A");

    const none = client(null);
    const other = await renderSocial(<Avatar name="Amy" userId={amy.id} />, none);
    expect(other.container.querySelector("img")).toBeNull();
    expect(fetches(none)).toBe(0);
  });

  test("a removed picture gives way to the initial, live", async () => {
    const c = client();
    const { container } = await renderSocial(<Avatar name="Amy" userId={amy.id} />, c);
    fireEvent.load(await screen.findByAltText("Amy", {}, { hidden: true } as never));
    await waitFor(() => expect(container.querySelector("[data-picture]")).not.toBeNull());
    act(() => c.emitEvent("social.profile.updated.v1", { profile: profile(null) }));
    await waitFor(() => expect(container.querySelector("img")).toBeNull());
    expect(container.textContent).toBe("A");
  });
});
