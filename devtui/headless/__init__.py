"""The headless front end (`devtui ci`, `devtui up --headless`): plain text, no Textual or Rich."""
