"""Teaching: plain explanations of errors and changes, with one-click fixes."""
