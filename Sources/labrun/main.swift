import LabrunCLI
