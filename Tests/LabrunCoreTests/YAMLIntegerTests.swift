import LabrunCore
import Testing

/// Base-60 integers, converted without trapping (Yams' own conversion traps past Int's range).
@Suite struct YAMLIntegerTests {
    @Test func baseSixtyIntegersAreConvertedOrRefusedWithoutATrap() {
        #expect(YAMLInteger.sexagesimal("1:30") == 90)
        #expect(YAMLInteger.sexagesimal("190:20:30") == 685_230)
        #expect(YAMLInteger.sexagesimal("-1:0") == -60)
        #expect(YAMLInteger.sexagesimal("+1_0:0") == 600)
        #expect(YAMLInteger.sexagesimal("1:0:0:0:0:0:0:0:0:0:0:0") == nil, "60^11 is past Int's range")
        #expect(YAMLInteger.sexagesimal("999999999999999999:59") == nil)
        #expect(YAMLInteger.sexagesimal("12") == nil, "no colon, not base 60")
        #expect(YAMLInteger.sexagesimal("1::2") == nil)
        #expect(YAMLInteger.sexagesimal("1:a") == nil)
    }
}
