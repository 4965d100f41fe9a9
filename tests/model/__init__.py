"""The reference model of the shop's books and the differential test (issue 14)."""
