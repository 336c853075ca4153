import LabrunCLI

await LabrunCommand.runMain()
