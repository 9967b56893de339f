/** The sentence every file-level rejection ends with, so the sender knows what a good file looks like. */
export const EXPECTED_FILE =
  "Expected a CSV whose first line is the header 'Device Serial Number,Windows Product ID,Hardware Hash' " +
  "(optionally followed by ',Group Tag,Assigned User', or by ',Manufacturer name,Device model' in the partner format, " +
  "or with a legacy 'OrderID' column), then one line per device, as Get-WindowsAutopilotInfo writes it.";
