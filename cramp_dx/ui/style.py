"""The app's look: calm, high contrast, and never colour alone (every coloured state also
has a word). Sizes are in points/em so 125 % and 200 % scaling stay proportional."""

STYLE = """
QLabel#errorText { color: #a40000; }
QLabel#helpLine { color: #333; background: #f4f6f8; border-top: 1px solid #d0d5da;
                  padding: 4px 8px; }
QLabel#sectionIntro { background: #fff8e1; border: 1px solid #e0c36a; padding: 6px; }
QFrame#card { background: palette(base); border: 1px solid #c8ccd0; border-radius: 6px; }
QFrame#redFlagBanner { background: #fdecea; border: 2px solid #a40000; border-radius: 4px; }
QFrame#redFlagRow { background: transparent; }
QLabel#quinineWarning { background: #fdecea; border: 1px solid #a40000; padding: 6px;
                        color: #5a0000; }
QLabel#unrecognisedMedications { background: #fff6e0; border: 1px solid #8a5a00;
                                 padding: 6px; color: #3d2800; }
QFrame#patientHeader { background: #eef3f8; border-bottom: 1px solid #c5d3e0; }
QLabel#visitStatus { font-weight: bold; padding: 2px 8px; border: 1px solid #7a8a99;
                     border-radius: 3px; }
QFrame#finding { border-radius: 3px; }
QFrame#finding:focus { background: #e3efff; border: 1px solid #3b73b9; }
QFrame#finding[state="present"] QLabel { font-weight: bold; }
QFrame#finding QToolButton { padding: 2px 8px; border: 1px solid #9aa5b1;
                             border-radius: 3px; background: palette(button); }
QFrame#finding QToolButton:checked { background: #2f5f98; color: white;
                                     border-color: #1f4470; font-weight: bold; }
QFrame#finding QToolButton#state_present:checked { background: #8a1c1c;
                                                   border-color: #5a0f0f; }
QFrame#finding QToolButton#state_absent:checked { background: #2e6b3a;
                                                  border-color: #1d4526; }
QFrame#finding QToolButton#state_not_assessed:checked { background: #6b7580;
                                                        border-color: #4a525a; }
QLineEdit[invalid="true"] { border: 2px solid #a40000; }
QLabel#medicationEditing { background: #e3efff; border: 1px solid #3b73b9; padding: 4px; }
QLabel#saveIndicator[state="saved"] { color: #1d5a2a; }
QLabel#saveIndicator[state="conflict"], QLabel#saveIndicator[state="error"] {
    color: #a40000; font-weight: bold; }
QListWidget#sectionList::item { padding: 6px 4px; }
QListWidget#sectionList::item:selected { background: #2f5f98; color: white; }
QTreeWidget#differentialTree::item { padding: 2px 0; }
QLabel#levelCheck { background: #f7f9fb; border: 1px solid #9aa5b1; border-radius: 3px;
                    padding: 6px; }
QLabel#levelCheck[verdict="does_not_match"] { background: #fff4e5; border: 2px solid #b35900; }
QLabel#levelCheck[verdict="matches"] { border: 2px solid #2e6b3a; }
QLabel#levelCheck[verdict="uncertain"] { border: 2px dashed #6b7580; }
QLineEdit#mrcCell[weak="true"] { font-weight: bold; background: #fff4e5; }
"""
