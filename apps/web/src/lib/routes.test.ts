import { describe, expect, test } from "vitest";
import { conversationParam, groupParam, placeOf, seqParam } from "./routes.js";
import { filtersOf, queryOf, withFilters, withQuery } from "../features/chat/search-params.js";

describe("the app's addresses", () => {
  test("each path is a place: its navigation entry, its conversation, whether the details are open", () => {
    expect(placeOf("/")).toEqual({ section: "home", details: false });
    expect(placeOf("/settings")).toEqual({ section: "settings", details: false });
    expect(placeOf("/friends")).toEqual({ section: "friends", details: false });
    expect(placeOf("/groups")).toEqual({ section: "groups", details: false });
    expect(placeOf("/group/12")).toEqual({ section: "groups", details: false });
    expect(placeOf("/chat/dm:3:7")).toEqual({ section: "home", conversationId: "dm:3:7", details: false });
    expect(placeOf("/chat/group:12/details")).toEqual({ section: "home", conversationId: "group:12", details: true });
    expect(placeOf("/chat/dm:3:7/m/40")).toEqual({ section: "home", conversationId: "dm:3:7", details: false });
    // A malformed id opens nothing (the route sends it home).
    expect(placeOf("/chat/DM:3")).toEqual({ section: "home", details: false });
    expect(placeOf("/chat/dm:3:7%3Cx")).toEqual({ section: "home", details: false });
  });

  test("ids and seqs are checked as the server writes them", () => {
    expect(conversationParam("group:12")).toBe("group:12");
    expect(conversationParam("group:")).toBeUndefined();
    expect(conversationParam("x")).toBeUndefined();
    expect(conversationParam(undefined)).toBeUndefined();
    expect(groupParam("12")).toBe(12);
    for (const bad of ["0", "012", "1e3", "12345678901", "-1", ""]) expect(groupParam(bad)).toBeUndefined();
    expect(seqParam("9007199254740991")).toBe(9007199254740991);
    for (const bad of ["0", "01", "12345678901234567", "1.5"]) expect(seqParam(bad)).toBeUndefined();
  });
});

describe("the search in the address", () => {
  test("query and filters round-trip; clearing the query drops the filters too", () => {
    const filters = { conversationId: "dm:1:2", senderId: "2", from: "2026-11-01", to: "2026-11-30" };
    const params = withFilters(withQuery(new URLSearchParams(), "灯塔 trip"), filters);
    expect(params.toString()).toBe("q=%E7%81%AF%E5%A1%94+trip&in=dm%3A1%3A2&by=2&after=2026-11-01&before=2026-11-30");
    const back = new URLSearchParams(params.toString());
    expect(queryOf(back)).toBe("灯塔 trip");
    expect(filtersOf(back)).toEqual(filters);
    expect(withQuery(back, "").toString()).toBe("");
    expect(withFilters(back, { ...filters, senderId: "" }).has("by")).toBe(false);
  });

  test("a filter that does not parse is left out; the query is bounded as the box is", () => {
    const params = new URLSearchParams({ q: "x".repeat(1000), in: "<script>", by: "0", after: "yesterday" });
    expect(filtersOf(params)).toEqual({ conversationId: "", senderId: "", from: "", to: "" });
    expect(queryOf(params).length).toBeLessThan(1000);
  });
});
