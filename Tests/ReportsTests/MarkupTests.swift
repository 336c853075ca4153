import Testing
@testable import Reports

@Suite struct MarkupTests {
    @Test func textAndAttributesAreEscaped() {
        #expect(Markup.text("a < b & \"c\" > 'd'") == "a &lt; b &amp; \"c\" &gt; 'd'")
        #expect(Markup.attribute("a\"b'c\nd\te") == "a&quot;b&apos;c&#10;d&#9;e")
    }

    @Test func controlCharactersBecomeVisibleAndColourCodesGo() {
        #expect(Markup.text("x\u{00}y\u{07}z\u{7F}") == "x\\u{0000}y\\u{0007}z\\u{007F}")
        #expect(Markup.text("\u{1B}[1;31mred\u{1B}[0m plain") == "red plain")
        #expect(Markup.text("\u{1B}]0;title\u{07}after") == "after")
        #expect(Markup.text("tab\tnew\nline") == "tab\tnew\nline")
        #expect(Markup.text("\r") == "&#13;")
    }
}
