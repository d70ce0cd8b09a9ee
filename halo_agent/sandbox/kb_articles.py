"""The sandbox's knowledge base: real, usable how-to articles (fictional company, generic steps).

Each entry: (name, tag_string, description, resolution). Steps are written for a typical Microsoft 365,
Windows and macOS estate, so an employee can follow them as they stand.
"""

from __future__ import annotations

KB_ARTICLES: tuple[tuple[str, str, str, str], ...] = (
    (
        "How to reset your password",
        "password,reset,account,login,self-service",
        "Reset a forgotten or expired network / Microsoft 365 password yourself.",
        "1. Go to https://passwordreset.example.com from any browser (a phone works).\n"
        "2. Enter your work email address and complete the captcha.\n"
        "3. Choose a verification method you registered (authenticator app, text or call).\n"
        "4. Choose a new password: at least 14 characters, not used in your last 10 passwords.\n"
        "5. On a company laptop, connect to the office network or VPN, then lock (Win+L) and unlock "
        "with the new password so Windows caches it.\n"
        "If you never registered a verification method, call the Service Desk on ext. 4000.",
    ),
    (
        "Unlock a locked-out account",
        "password,locked,lockout,account,login",
        "Your account locks for 15 minutes after 10 wrong passwords.",
        "1. Wait 15 minutes: the lock clears on its own.\n"
        "2. Check phones and tablets for an old saved password (mail apps retry it and re-lock you): "
        "remove the account there or update the password.\n"
        "3. Still locked? Use https://passwordreset.example.com and choose 'Unlock my account'.\n"
        "4. If it keeps locking, raise a ticket and say which devices you use.",
    ),
    (
        "Change your password before it expires",
        "password,change,expiry,windows",
        "Change your password from a company Windows laptop.",
        "1. Connect to the office network or VPN.\n"
        "2. Press Ctrl+Alt+Del and choose 'Change a password'.\n"
        "3. Enter the old password, then the new one twice (14+ characters).\n"
        "4. Update the password on your phone's mail app when it asks.",
    ),
    (
        "Set up multi-factor authentication (MFA)",
        "mfa,2fa,authenticator,security,sign-in",
        "Register the Microsoft Authenticator app for sign-in approval.",
        "1. Install Microsoft Authenticator from the App Store or Google Play.\n"
        "2. On a computer, open https://aka.ms/mysecurityinfo and sign in.\n"
        "3. Choose 'Add sign-in method' > 'Authenticator app' and follow the prompts.\n"
        "4. Scan the QR code with the app and approve the test notification.\n"
        "5. Add a phone number as a backup method.",
    ),
    (
        "New phone: move your MFA authenticator",
        "mfa,authenticator,new phone,security",
        "Move Microsoft Authenticator to a replacement phone without losing access.",
        "1. Keep the old phone until this is done.\n"
        "2. On the new phone install Microsoft Authenticator.\n"
        "3. Open https://aka.ms/mysecurityinfo, add 'Authenticator app'\n"
        "   and scan the code with the new phone.\n"
        "4. Set the new phone as the default sign-in method, then delete the old entry.\n"
        "Lost the old phone? Call the Service Desk to reset your MFA after identity checks.",
    ),
    (
        "Connect to the VPN",
        "vpn,remote,home working,globalprotect",
        "Connect to the company network from home with GlobalProtect.",
        "1. Click the GlobalProtect globe icon in the system tray (Windows) or menu bar (macOS).\n"
        "2. Portal: vpn.example.com. Click Connect.\n"
        "3. Sign in with your work account and approve the MFA prompt.\n"
        "4. The icon shows a shield when connected; shared drives and intranet now work.",
    ),
    (
        "VPN keeps disconnecting or will not connect",
        "vpn,disconnect,certificate,troubleshooting",
        "Fixes for VPN drops, certificate errors and 'gateway not responding'.",
        "1. Check your internet connection works without VPN (open any website).\n"
        "2. Restart GlobalProtect: right-click the icon > Disable, wait 10 seconds, Enable.\n"
        "3. 'Certificate expired' or 'not trusted': restart the laptop on the office network or run "
        "'gpupdate /force' to receive the renewed machine certificate.\n"
        "4. On hotel or guest Wi-Fi, open a website first to accept the Wi-Fi terms.\n"
        "5. Still failing: raise a ticket with the exact error and the time it happened.",
    ),
    (
        "Set up work email on an iPhone",
        "email,phone,iphone,outlook,mobile",
        "Add your work mailbox to an iPhone with the Outlook app.",
        "1. Install Microsoft Outlook from the App Store (the built-in Mail app is blocked).\n"
        "2. Open Outlook, tap Add Account and enter your work email address.\n"
        "3. Sign in and approve the MFA prompt.\n"
        "4. Install Microsoft Authenticator if asked: it protects company data on the phone.\n"
        "5. Allow notifications so new mail alerts appear.",
    ),
    (
        "Set up work email on an Android phone",
        "email,phone,android,outlook,mobile",
        "Add your work mailbox to an Android phone.",
        "1. Install Microsoft Outlook and Company Portal from Google Play.\n"
        "2. Open Outlook, tap Add Account, enter your work email and sign in.\n"
        "3. When asked, open Company Portal and register the device (takes about 5 minutes).\n"
        "4. Return to Outlook; mail, calendar and contacts sync within a few minutes.",
    ),
    (
        "Outlook keeps asking for your password",
        "email,outlook,password prompt,credentials",
        "Stop repeated password prompts in Outlook for Windows.",
        "1. Close Outlook.\n"
        "2. Open Credential Manager > Windows Credentials and remove entries starting 'MicrosoftOffice'.\n"
        "3. Reopen Outlook and sign in once with your current password.\n"
        "4. If you changed your password today, lock and unlock Windows first.\n"
        "5. Still prompting: File > Account Settings > Repair, or raise a ticket.",
    ),
    (
        "Cannot send or receive email",
        "email,outlook,send,receive,mailbox",
        "Checks when Outlook stops sending or receiving.",
        "1. Look at Outlook's status bar: 'Working offline' means Send/Receive > Work Offline\n"
        "   is on; click it off.\n"
        "2. Check https://outlook.office.com: if web mail works, the problem is on your PC.\n"
        "3. Mailbox full? File > Mailbox Settings shows the size: empty Deleted Items and archive.\n"
        "4. Restart Outlook; if it hangs, run it in safe mode (hold Ctrl while starting it).\n"
        "5. If web mail also fails, raise a ticket: it may be an account or service issue.",
    ),
    (
        "Share your calendar or give someone access to your mailbox",
        "email,calendar,delegate,outlook,sharing",
        "Give a colleague access to your calendar or inbox.",
        "1. In Outlook, open Calendar, right-click your calendar > Sharing Permissions.\n"
        "2. Add the colleague and choose Can view, Can edit or Delegate.\n"
        "3. For full mailbox access (not just calendar), raise a Service Request: it needs manager approval.",
    ),
    (
        "Set an out-of-office (automatic reply)",
        "email,out of office,automatic reply,outlook",
        "Turn on automatic replies while you are away.",
        "1. Outlook: File > Automatic Replies (web: Settings > Mail > Automatic replies).\n"
        "2. Choose 'Send automatic replies', set start and end times.\n"
        "3. Write separate messages for inside and outside the organisation.\n"
        "4. Click OK; it switches off by itself at the end time.",
    ),
    (
        "Add a network printer",
        "printer,printing,add printer,windows",
        "Install an office printer on a Windows laptop.",
        "1. Connect to the office network (not guest Wi-Fi).\n"
        "2. Open Settings > Bluetooth & devices > Printers & scanners > Add device.\n"
        "3. If the printer is not listed, click 'Add manually' and enter \\\\print01\\<printer name> "
        "(the name is on the sticker on the printer).\n"
        "4. Print a test page.",
    ),
    (
        "Printer jams or prints blank pages",
        "printer,jam,paper,toner,troubleshooting",
        "Clear a paper jam and fix faint or blank prints.",
        "1. Open the doors the printer's screen points to and gently pull jammed paper\n"
        "   out in the direction the paper travels.\n"
        "2. Fan the paper stack, check the tray guides touch the paper, and do not overfill past the line.\n"
        "3. Use 80 gsm paper; damp or curled paper jams more.\n"
        "4. Faint or blank pages: shake the toner cartridge side to side and refit it.\n"
        "5. Jams every few pages: raise an Incident with the printer's asset tag (sticker on the front); "
        "rollers may need replacing.",
    ),
    (
        "Print jobs stuck in the queue",
        "printer,queue,spooler,windows",
        "Clear print jobs that will not print or delete.",
        "1. Settings > Printers & scanners > choose the printer > Open print queue.\n"
        "2. Printer menu > Cancel All Documents.\n"
        "3. Still stuck: restart the laptop.\n"
        "4. If others cannot print either, the print server may be down: raise an Incident.",
    ),
    (
        "Connect to office Wi-Fi",
        "wifi,wireless,network,office",
        "Which Wi-Fi to use in the office and how to join it.",
        "1. Company laptops join 'CORP-SECURE' automatically; no password is needed.\n"
        "2. Phones and personal devices: join 'CORP-BYOD' and sign in with your work account.\n"
        "3. Visitors: 'GUEST' with the daily code from reception.\n"
        "4. If CORP-SECURE does not appear, connect a network cable once so the laptop gets its certificate.",
    ),
    (
        "Wi-Fi connected but no internet",
        "wifi,wireless,no internet,troubleshooting,network",
        "Fix 'connected, no internet' on Windows.",
        "1. Turn Wi-Fi off and on (Win+A quick settings).\n"
        "2. Forget the network and reconnect.\n"
        "3. Open a command prompt and run: ipconfig /release then ipconfig /renew.\n"
        "4. Try another room: if it works there, report the access point location in a ticket.\n"
        "5. At home: restart your router; test with your phone on the same Wi-Fi.",
    ),
    (
        "Laptop battery not charging",
        "laptop,battery,charging,hardware,power",
        "What to check when a laptop battery will not charge.",
        "1. Try a different power socket and check the charger's light is on.\n"
        "2. Use the original charger: low-wattage USB-C chargers cannot charge while in use.\n"
        "3. Shut down fully (not sleep), unplug for 30 seconds, plug in and start.\n"
        "4. Dell: run the built-in diagnostics (press F12 at start-up > Diagnostics).\n"
        "5. A swollen battery (case lifting, trackpad hard to click) is a safety risk: stop using it and "
        "raise an Incident for a replacement.",
    ),
    (
        "Laptop running slowly",
        "laptop,slow,performance,windows",
        "Speed up a slow Windows laptop.",
        "1. Restart: many issues clear after a restart (Windows updates install then).\n"
        "2. Task Manager (Ctrl+Shift+Esc) > sort by CPU and Memory to see what is busy.\n"
        "3. Close browser tabs you do not need; each can use hundreds of MB.\n"
        "4. Check free disk space: at least 15 GB free; empty Downloads and Recycle Bin.\n"
        "5. Still slow after a restart: raise a ticket with the laptop's asset tag.",
    ),
    (
        "Connect a second monitor or docking station",
        "monitor,dock,display,hardware,laptop",
        "Get external screens working with a dock.",
        "1. Connect the dock's USB-C cable to the laptop port with the lightning or DisplayPort symbol.\n"
        "2. Press Win+P and choose Extend.\n"
        "3. Settings > System > Display > Detect if a screen is missing.\n"
        "4. Check the monitor's input source button matches the cable (HDMI / DisplayPort).\n"
        "5. Unplug the dock's power for 30 seconds to reset it.",
    ),
    (
        "Request new software",
        "software,install,request,company portal",
        "Install approved software or ask for something new.",
        "1. Open Company Portal (Start menu) and search the app: approved apps install with one click.\n"
        "2. Not listed? Raise a Service Request with the software name, version and business reason.\n"
        "3. Paid software needs your manager's approval; the Service Desk will ask them.",
    ),
    (
        "Access a shared drive or folder",
        "shared drive,file share,permissions,access",
        "Get access to a department's shared folder.",
        "1. Ask the folder owner (usually your manager) to confirm you need access.\n"
        "2. Raise a Service Request naming the folder path, e.g. \\\\files01\\Finance,\n"
        "   and whether you need read or edit access.\n"
        "3. After approval, sign out and back in (or restart) so the new permission applies.",
    ),
    (
        "Map a network drive",
        "shared drive,map drive,network,windows",
        "Add a shared folder as a drive letter in File Explorer.",
        "1. Open File Explorer > This PC > Map network drive.\n"
        "2. Choose a letter and enter the path, e.g. \\\\files01\\Projects.\n"
        "3. Tick 'Reconnect at sign-in' and click Finish.\n"
        "4. Working from home? Connect to the VPN first.",
    ),
    (
        "Recover a deleted file from OneDrive or SharePoint",
        "onedrive,sharepoint,restore,deleted file,recycle bin",
        "Restore files deleted in the last 93 days.",
        "1. Open https://onedrive.com (or the SharePoint site) and choose Recycle bin on the left.\n"
        "2. Select the file and click Restore.\n"
        "3. For an older version of a file: right-click it > Version history > Restore.\n"
        "4. Emptied the recycle bin too? Raise a ticket within 14 days; we can restore it from the\n"
        "   second-stage recycle bin.",
    ),
    (
        "OneDrive not syncing",
        "onedrive,sync,files,troubleshooting",
        "Fix OneDrive sync errors and red crosses on files.",
        "1. Click the OneDrive cloud icon and read the message at the top.\n"
        "2. Pause syncing, wait 10 seconds, resume.\n"
        "3. File names cannot contain \" * : < > ? / \\ | or end with a space; rename such files.\n"
        "4. Sign out of OneDrive (Settings > Account > Unlink this PC) and sign back in.",
    ),
    (
        "Join a Teams meeting from a meeting room",
        "teams,meeting room,video,conference",
        "Start a Teams meeting on the room system.",
        "1. Tap the meeting on the room's touch panel and press Join.\n"
        "2. Ad hoc: press Meet now and invite people from the panel.\n"
        "3. Sharing a laptop screen: join the meeting on the laptop with audio off, then Share.\n"
        "4. No picture on the room screen: check the TV input is 'Teams Room' and the panel is awake.",
    ),
    (
        "Teams microphone or camera not working",
        "teams,audio,microphone,camera,headset",
        "Fix no sound, no mic or no camera in Teams calls.",
        "1. In Teams: Settings > Devices and pick the right speaker, mic and camera.\n"
        "2. Make a test call (Settings > Devices > Make a test call).\n"
        "3. Windows: Settings > Privacy & security > Camera / Microphone: allow apps access.\n"
        "4. Unplug and replug the headset; try another USB port.",
    ),
    (
        "Report a phishing email",
        "security,phishing,email,scam",
        "What to do with a suspicious email.",
        "1. Do not click links, open attachments or reply.\n"
        "2. In Outlook click Report > Phishing (Report Message button on the ribbon).\n"
        "3. If you clicked a link or entered your password: change your password now and call the "
        "Service Desk on ext. 4000 straight away.",
    ),
    (
        "Lost or stolen laptop or phone",
        "security,lost,stolen,laptop,phone",
        "Report a lost or stolen company device.",
        "1. Call the Service Desk on ext. 4000 immediately, at any hour.\n"
        "2. We will lock and, if needed, wipe the device remotely.\n"
        "3. Change your password from another device.\n"
        "4. Report theft to the police and send us the crime reference number.",
    ),
    (
        "Request a new starter account and equipment",
        "new starter,onboarding,account,request",
        "What managers must send for a new colleague.",
        "1. Raise a Service Request at least 5 working days before the start date.\n"
        "2. Include: full name, job title, department, manager, start date, site, and equipment needed.\n"
        "3. Name a colleague whose access the new starter should copy.\n"
        "4. The account details go to the manager on the day before the start date.",
    ),
    (
        "Leaver process: remove access",
        "leaver,offboarding,account,request",
        "What managers must do when someone leaves.",
        "1. Raise a Service Request with the leaving date and time.\n"
        "2. Say who should receive the mailbox and OneDrive files.\n"
        "3. Return the laptop, phone and badge to the Service Desk on the last day.",
    ),
    (
        "Install Windows updates",
        "windows,updates,patching,restart",
        "Keep your laptop up to date and avoid forced restarts.",
        "1. Settings > Windows Update > Check for updates.\n"
        "2. Install and restart at a convenient time; updates force a restart after 7 days.\n"
        "3. Leave the laptop on and connected overnight on Wednesdays so updates install outside work hours.",
    ),
    (
        "BitLocker recovery key screen at start-up",
        "bitlocker,recovery key,encryption,laptop,startup",
        "Your laptop asks for a 48-digit BitLocker recovery key.",
        "1. Note the Key ID shown on the screen (first 8 characters).\n"
        "2. On another device open https://aka.ms/aadrecoverykey, sign in,\n"
        "   find the laptop and choose 'Show BitLocker keys'.\n"
        "3. Type the 48 digits; the laptop starts normally.\n"
        "4. Cannot get the key? Call the Service Desk with the Key ID.",
    ),
)
