/**
 * Organisers' page templates are sanitised before a fan sees them: no script, no event
 * handler, no style, no javascript: URL survives, plain markup does, and placeholders are
 * filled only in text.
 */
import { describe, expect, test } from "bun:test";
import { fillTemplate, sanitizeTemplate } from "../common/page-template.ts";

describe("sanitising an organiser's template", () => {
  test("a template with a <script> tag or onload= keeps its text and loses the script and the handler", () => {
    const clean = sanitizeTemplate(`<h2 onload="alert(1)">Hello</h2><script>alert(2)</script><p>You are number {{position}}</p><img src=x onerror=alert(3)><body onload=alert(4)>`);
    expect(clean).toBe(`<h2>Hello</h2><p>You are number {{position}}</p><img src="x">`);
  });

  test("nothing that runs script survives: javascript: and data: URLs, styles, frames, SVG, comments, broken tags", () => {
    const attacks = [
      `<a href="javascript:alert(1)">x</a>`,
      `<a href="  JaVa\tScRiPt:alert(1)">x</a>`,
      `<a href="javascript&#58;alert(1)">x</a>`,
      `<img src="data:image/svg+xml,<svg onload=alert(1)>">`,
      `<p style="background:url(javascript:alert(1))">x</p>`,
      `<iframe src="https://evil.example"></iframe>`,
      `<svg><script>alert(1)</script></svg>`,
      `<style>body{display:none}</style>`,
      `<!--><script>alert(1)</script>-->`,
      `<scr<script>ipt>alert(1)</script>`,
      `<p title="a" onmouseover="alert(1)" oNcLiCk=alert(1)>x</p>`,
      `<p title='"><script>alert(1)</script>'>x</p>`,
      `<form action="https://evil.example"><input name=a></form>`,
      `<a href="{{eventName}}" title="{{position}}">x</a>`,
      `<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
    ];
    for (const attack of attacks) {
      const clean = sanitizeTemplate(attack);
      expect({ attack, clean, script: /<script|<style|<iframe|<svg|<form|<input|<meta|\son\w+=|javascript:|data:|style=|\{\{/i.test(clean) }).toEqual({ attack, clean, script: false });
      // sanitised once, it stays as it is
      expect(sanitizeTemplate(clean)).toBe(clean);
    }
  });

  test("plain markup, safe links and images stay, open tags are closed, text stays text", () => {
    expect(sanitizeTemplate(`<h1 class="big">Spring <b>tour</b></h1><p>Ask <a href="https://help.example/faq">us</a> or <a href="mailto:a@b.example">mail</a> & wait <3<ul><li>one`)).toBe(
      `<h1 class="big">Spring <b>tour</b></h1><p>Ask <a href="https://help.example/faq" rel="noopener noreferrer">us</a> or <a href="mailto:a@b.example">mail</a> & wait &#60;3<ul><li>one</li></ul></p>`,
    );
    expect(sanitizeTemplate(`<img src="/assets/logo.png" alt="Logo" width="120">`)).toBe(`<img src="/assets/logo.png" alt="Logo" width="120">`);
  });

  test("placeholders are filled with the markup given, in text only", () => {
    const clean = sanitizeTemplate(`<p>{{ eventName }}: you are {{position}}, about {{wait}}. {{unknown}}</p>`);
    expect(fillTemplate(clean, { eventName: "Spring &#60;tour&#62;", position: "<span>12</span>", wait: "3 minutes" })).toBe(`<p>Spring &#60;tour&#62;: you are <span>12</span>, about 3 minutes. {{unknown}}</p>`);
  });
});
