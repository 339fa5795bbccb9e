# The Django admin site is not mounted: every duty has its own audited page.
