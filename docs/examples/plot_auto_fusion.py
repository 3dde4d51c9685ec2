"""
=============================================
Automatic fusion of text and a table
=============================================

:class:`~skfusion.AutoFusionClassifier` takes a DataFrame (or a
:class:`~skfusion.ModalityDict`) and nothing else: it finds the text,
categorical and numeric columns, builds a default member for each modality,
scores each member alone, an early fusion and every late-fusion rule on one
set of out-of-fold predictions, and keeps the best.

The data here are small synthetic product reviews: a short review text whose
words hint at whether the buyer recommends the item (with label noise), and a
table in which the product line and the buyer's age carry a weaker signal of
their own. Neither modality alone is enough.
"""

# %%
# A DataFrame of reviews
# ----------------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from skfusion import AutoFusionClassifier

rng = np.random.RandomState(0)
n = 800
line = rng.choice(["Basics", "Premium", "Outlet"], n)
age = rng.randint(18, 80, n)
# the table's own signal: Outlet items disappoint, older buyers are pickier
logit = 1.2 - 1.5 * (line == "Outlet") - 0.02 * (age - 45)
recommended = (rng.rand(n) < 1 / (1 + np.exp(-logit))).astype(int)

positive = ["lovely", "soft", "flattering", "perfect", "comfy"]
negative = ["scratchy", "cheap", "tight", "faded", "returned"]
filler = ["the", "dress", "fabric", "colour", "fit", "was", "and", "size", "it", "ordered"]


def review(label):
    # 70% of reviews say what the buyer thinks, the others are off-topic
    hint = positive if label else negative
    words = list(rng.choice(filler, 6))
    if rng.rand() < 0.7:
        words += list(rng.choice(hint, 2))
    rng.shuffle(words)
    return " ".join(words)


frame = pd.DataFrame({
    "review": [review(label) for label in recommended],
    "product_line": line,
    "age": age,
})
frame.head()

# %%
# Fit with no configuration
# -------------------------
# ``verbose=1`` prints each member's inner score and time, and the winner.
X_train, X_test, y_train, y_test = train_test_split(
    frame, recommended, test_size=0.25, random_state=0, stratify=recommended)
clf = AutoFusionClassifier(cv=3, verbose=1).fit(X_train, y_train)
print(clf.modality_kinds_)
print(f"chosen: {clf.best_candidate_}; test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# The leaderboard
# ---------------
# Every candidate's out-of-fold accuracy (``cv_results_``). Each modality
# alone is a candidate too, so fusion that does harm is never chosen.
board = pd.DataFrame(clf.cv_results_).sort_values("score")
print(board[["candidate", "kind", "score", "fit_time"]].to_string(index=False))

fig, ax = plt.subplots(figsize=(6, 4))
colours = {"late fusion": "tab:blue", "early fusion": "tab:orange"}
ax.barh(board["candidate"], board["score"],
        color=[colours.get(kind, "tab:grey") for kind in board["kind"]])
ax.set_xlim(0.5, 1.0)
ax.set_xlabel("out-of-fold accuracy")
ax.set_title("AutoFusion's candidates (grey: one modality)")
fig.tight_layout()

# %%
# Missing text at predict time
# ----------------------------
# A review without text is predicted from the members that can see it.
X_no_text = X_test.copy()
X_no_text.loc[X_no_text.index[:50], "review"] = None
print(f"accuracy with 50 reviews lacking their text: {clf.score(X_no_text, y_test):.3f}")
