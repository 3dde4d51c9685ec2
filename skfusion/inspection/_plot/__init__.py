"""Display objects, in scikit-learn's convention, for fusion inspection."""
